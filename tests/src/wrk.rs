//! wrk (Debian's package) for the benchmarks: one run, parsed.

use std::process::Command;

/// What wrk measured.
#[derive(Debug, Clone, Default)]
pub struct Load {
    pub requests_per_second: f64,
    pub p50: String,
    pub p99: String,
    pub non_2xx: u64,
    pub requests: u64,
}

/// `wrk -t2 -c{connections} -d10s --latency url`, parsed.
pub fn run(url: &str, connections: usize) -> Load {
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            "-d10s",
            "--latency",
            url,
        ])
        .output()
        .expect("run wrk (make bench installs it)");
    parse(&String::from_utf8_lossy(&output.stdout))
}

/// wrk's report, read.
pub fn parse(text: &str) -> Load {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default()
    };
    let requests = text
        .lines()
        .find(|line| line.contains("requests in"))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Load {
        requests_per_second: field("Requests/sec:").parse().unwrap_or(0.0),
        p50: field("50%"),
        p99: field("99%"),
        non_2xx: field("Non-2xx or 3xx responses:").parse().unwrap_or(0),
        requests,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrk_report_is_read() {
        let text = "Running 10s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n  \
                    Latency Distribution\n     50%    1.20ms\n     75%    2.00ms\n     90%    3.00ms\n     \
                    99%    9.50ms\n  123456 requests in 10.00s, 1.00GB read\n  \
                    Non-2xx or 3xx responses: 12\nRequests/sec:  12345.60\n";
        let load = parse(text);
        assert_eq!(load.p50, "1.20ms");
        assert_eq!(load.p99, "9.50ms");
        assert_eq!(load.requests, 123_456);
        assert_eq!(load.non_2xx, 12);
        assert!((load.requests_per_second - 12_345.6).abs() < 0.01);
    }
}
