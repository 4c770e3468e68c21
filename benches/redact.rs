//! The redactor on hostile error bodies: 10 MB (the body cap) full of what
//! it removes. Issue 20 §3: each `private_key` hit once searched to the end
//! of the text again, so a 10 MB body took hours and held a backend worker
//! on every retry. Goal: < 1 s per body.
//!
//! `cargo bench --bench redact` prints, per body, the median thread CPU
//! time of `excerpt` (what an error's details show: the path every error
//! body takes) and of `clean` over the whole text. `REDACT_BENCH_MB=0.1,1`
//! picks other sizes (the old code was measured at those).

mod support;

use std::time::Duration;

use keyfleet::keys::SecretString;
use keyfleet::providers::redact::Redactor;

const RUNS: usize = 5;
const TOKEN: &str = "1234$Zq8Xv3Lw9Pt2/Rm7N";
const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\n\
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
    QyNTUxOQAAACDG8tXQe0Mx1FQZ0y2m0VgSxXkJx8nCZf8m4Qk3GsK9YwAAAJg2S2vRNktr\n\
    -----END OPENSSH PRIVATE KEY-----\n";

/// `unit` repeated to `bytes`.
fn body(unit: &str, bytes: usize) -> String {
    unit.repeat(bytes / unit.len() + 1)
}

/// The hostile bodies: each dense with one kind of hit.
fn bodies(bytes: usize) -> Vec<(&'static str, String)> {
    let escaped = serde_json::to_string(KEY).unwrap_or_default();
    vec![
        (
            "private_key fields",
            body(r#"{"private_key":"AAAAsecretvalue"},"#, bytes),
        ),
        (
            "PEM blocks (JSON-escaped)",
            body(&format!("{{\"key\":{escaped}}},"), bytes),
        ),
        ("unclosed BEGIN markers", body("-----BEGIN x ", bytes)),
        ("token echoes", body(&format!("bad token {TOKEN}; "), bytes)),
        (
            "a sent key, rewrapped",
            body(&KEY.replace('\n', "\\n "), bytes),
        ),
        ("plain text", body("nothing secret here, ", bytes)),
    ]
}

/// Median thread CPU time of `work` over [`RUNS`] runs.
fn timed(mut work: impl FnMut() -> usize) -> Duration {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = support::thread_cpu_time();
        std::hint::black_box(work());
        times.push(support::thread_cpu_time() - start);
    }
    support::median(times)
}

fn main() {
    let sizes: Vec<f64> = std::env::var("REDACT_BENCH_MB")
        .ok()
        .map(|list| {
            list.split(',')
                .filter_map(|mb| mb.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![10.0]);
    let token = SecretString::new(TOKEN);
    let key = SecretString::new(KEY);
    let redactor = Redactor::new(&token).with_private_key(Some(&key));
    for mb in sizes {
        let bytes = (mb * 1024.0 * 1024.0) as usize;
        for (what, text) in bodies(bytes) {
            let excerpt = timed(|| redactor.excerpt(text.as_bytes()).len());
            let clean = timed(|| redactor.clean(&text).len());
            println!(
                "redact {mb} MB of {what}: excerpt median {:.1} ms, clean (whole text) median {:.1} ms; goal < 1000 ms",
                support::ms(excerpt),
                support::ms(clean),
            );
        }
    }
}
