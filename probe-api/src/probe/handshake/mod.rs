//! The TLS handshakes and what they show.
//!
//! - [`tls`]: rustls handshakes pinned to one version (TLS 1.2, TLS 1.3), certificate recorded,
//!   not enforced.
//! - [`legacy`]: hand-built ClientHellos for SSL 3.0 to TLS 1.2 and the reading of the server's
//!   first flight; no cryptography, never a finished handshake.
//! - [`cert`]: the verdict on a recorded chain, and its facts.
//! - [`simulate`]: real mail programs' captured hellos, and whether each program would connect.
//!
//! Invariant: a handshake never carries data and never resumes a session; every answer is read
//! within the 64 KiB handshake cap and the check's deadline.

pub mod cert;
pub mod legacy;
pub mod simulate;
pub mod tls;
