//! The plain-text dialogs before TLS: everything a connection says until it is ready for the
//! handshake.
//!
//! - [`conn`]: the capped, deadline-bound line reader every dialog reads through.
//! - [`starttls`]: what the dialogs share and which one a scheme needs.
//! - [`smtp`], [`imap`], [`pop3`]: one dialog per protocol, each ending ready for TLS.
//! - [`greeting`]: which mail protocol a first line belongs to (another service on a port, plain
//!   text where TLS was expected).
//!
//! Invariant: no dialog authenticates, pipelines or sends mail, and every read is capped in
//! lines and bytes and bounded by the check's deadline.

pub mod conn;
pub mod greeting;
pub mod imap;
pub mod pop3;
pub mod smtp;
pub mod starttls;
