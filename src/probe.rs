//! The start-up and memory report that `benches/perf.rs` reads from both
//! `keyfleet` and its baseline, `examples/bare_window.rs`: one shared
//! writer, so the two always print the same line.

use std::time::Instant;

/// Prints `keyfleet-probe ms=… peak_rss_kb=… keys=…` and exits at once
/// (teardown is not part of what is measured).
pub fn report_and_exit(started: Instant, keys: usize) -> ! {
    println!(
        "keyfleet-probe ms={:.1} peak_rss_kb={} keys={keys}",
        started.elapsed().as_secs_f64() * 1000.0,
        peak_rss_kb().map_or_else(|| "unknown".to_string(), |kb| kb.to_string()),
    );
    std::process::exit(0);
}

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_memory_is_read_on_linux() {
        let kb = super::peak_rss_kb().expect("VmHWM in /proc/self/status");
        assert!(kb > 0);
    }
}
