//! File descriptors: raised at start, and shared out so the service never meets `EMFILE`.
//!
//! Every client connection costs a socket (and, while it reads a page file, a file); every probe
//! connection a socket; DNS queries, logs and the listener a few more. systemd gives services a
//! soft limit of 1,024 descriptors by default, far below `max_connections` (4,096) alone. So at
//! start the soft limit is raised to the hard one, and if the two caps still do not fit, they
//! are lowered until they do, with a warning that names the numbers and the fix. A cap that is
//! reached makes clients wait in the listen queue and probes wait for a socket; it never turns
//! into "Too many open files" in a report.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors kept for the listener, logs, DNS queries and the page's files beyond the
/// per-connection share.
pub const RESERVE: u64 = 256;

/// Inbound connections cost this many descriptors at most (the socket and a page file).
const PER_INBOUND: u64 = 2;

/// The caps never go below these, however small the limit (the service must still answer).
const MIN_INBOUND: usize = 32;
const MIN_OUTBOUND: usize = 64;

/// The caps the service runs with, and the descriptor limit they were sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The soft `RLIMIT_NOFILE` after raising it (`None`: unlimited).
    pub limit: Option<u64>,
    pub max_connections: usize,
    pub max_outbound: usize,
    /// Whether the configured caps had to be lowered to fit.
    pub lowered: bool,
}

/// Raises the soft descriptor limit to the hard one, then fits the two caps into it.
pub fn raise_and_fit(max_connections: usize, max_outbound: usize) -> Budget {
    let limit = raise_soft_limit();
    fit(limit, max_connections, max_outbound)
}

/// Where the soft limit goes when the hard one is unlimited: the kernel refuses an unlimited
/// soft limit for descriptors (above `nr_open`, 1,048,576 by default on Linux).
const UNLIMITED_TARGET: u64 = 1 << 20;

/// The soft limit, raised to the hard limit where that is higher.
fn raise_soft_limit() -> Option<u64> {
    let current = getrlimit(Resource::Nofile);
    let target = current.maximum.unwrap_or(UNLIMITED_TARGET);
    if current.current.is_some_and(|soft| soft < target) {
        let raised = Rlimit {
            current: Some(target),
            maximum: current.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return Some(target);
        }
    }
    current.current
}

/// The caps that fit into `limit` descriptors: as configured when they fit, else lowered —
/// the outbound cap to a quarter of what is free (at least [`MIN_OUTBOUND`]), the inbound cap
/// to what is left.
pub fn fit(limit: Option<u64>, max_connections: usize, max_outbound: usize) -> Budget {
    let Some(limit) = limit else {
        return Budget {
            limit,
            max_connections,
            max_outbound,
            lowered: false,
        };
    };
    let need = PER_INBOUND * max_connections as u64 + max_outbound as u64 + RESERVE;
    if need <= limit {
        return Budget {
            limit: Some(limit),
            max_connections,
            max_outbound,
            lowered: false,
        };
    }
    let free = limit.saturating_sub(RESERVE);
    // Lowered, never raised: a configured cap below the minimum stays as configured.
    let outbound = usize::try_from(free / 4)
        .unwrap_or(usize::MAX)
        .clamp(MIN_OUTBOUND.min(max_outbound), max_outbound);
    let inbound = usize::try_from(free.saturating_sub(outbound as u64) / PER_INBOUND)
        .unwrap_or(usize::MAX)
        .clamp(MIN_INBOUND.min(max_connections), max_connections);
    Budget {
        limit: Some(limit),
        max_connections: inbound,
        max_outbound: outbound,
        lowered: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_that_fit_are_kept_and_others_are_lowered_to_fit() {
        // Plenty: kept.
        assert_eq!(
            fit(Some(1 << 20), 4096, 1024),
            Budget {
                limit: Some(1 << 20),
                max_connections: 4096,
                max_outbound: 1024,
                lowered: false
            }
        );
        // systemd's default soft limit: lowered until both fit beside the reserve.
        let budget = fit(Some(1024), 4096, 1024);
        assert!(budget.lowered);
        assert_eq!(budget.max_outbound, 192);
        assert_eq!(budget.max_connections, 288);
        assert!(
            PER_INBOUND * budget.max_connections as u64 + budget.max_outbound as u64 + RESERVE
                <= 1024
        );
        // Unlimited: kept.
        assert!(!fit(None, 4096, 1024).lowered);
        // Lowering never raises a cap configured below the minimums.
        let small = fit(Some(300), 20, 16);
        assert!(
            small.max_connections <= 20 && small.max_outbound <= 16,
            "{small:?}"
        );
    }
}
