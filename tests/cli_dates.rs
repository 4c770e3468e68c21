//! Dates through the real binary in `--demo`, whose providers send three
//! forms (RFC 3339 with and without a fraction, and Gcore's zone-less
//! legacy form): people see one form, JSON gets RFC 3339 in UTC.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn demo(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_keyfleet"))
        .arg("--demo")
        .args(args)
        .env("HOME", home.path())
        .env("KEYFLEET_CONFIG_DIR", Path::new("/nonexistent/keyfleet"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    output
}

/// Every date in `text` is `YYYY-MM-DD HH:MM UTC` (no provider in the demo
/// gives a date only); returns how many there are.
fn assert_one_human_form(text: &str) -> usize {
    let date = regex::Regex::new(r"\d{4}-\d{2}-\d{2}(.{0,10})").unwrap();
    let human = regex::Regex::new(r"^ \d{2}:\d{2} UTC").unwrap();
    let mut count = 0;
    for found in date.captures_iter(text) {
        let after = &found[1];
        assert!(human.is_match(after), "{:?} in:\n{text}", &found[0]);
        count += 1;
    }
    let iso = regex::Regex::new(r"\d{2}T\d{2}:\d{2}").unwrap();
    assert!(!iso.is_match(text), "{text}");
    count
}

#[test]
fn the_demo_inventory_shows_one_date_form() {
    let output = demo(&["inventory"]);
    let text = String::from_utf8(output.stdout).unwrap();
    let dates = assert_one_human_form(&text);
    assert!(dates >= 5, "{text}");
}

#[test]
fn every_demo_account_lists_its_keys_with_one_date_form() {
    let accounts = demo(&["accounts", "--json"]);
    let accounts: Value = serde_json::from_slice(&accounts.stdout).unwrap();
    let accounts = accounts
        .as_array()
        .or_else(|| accounts["accounts"].as_array());
    let mut dates = 0;
    for account in accounts.unwrap() {
        let name = account["name"].as_str().unwrap();
        let output = demo(&["keys", name]);
        dates += assert_one_human_form(&String::from_utf8(output.stdout).unwrap());
    }
    assert!(dates >= 5);
}

#[test]
fn json_gives_rfc3339_in_utc() {
    let utc = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$").unwrap();
    let output = demo(&["inventory", "--json"]);
    let inventory: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut seen = 0;
    for key in inventory["keys"].as_array().unwrap() {
        for holding in key["accounts"].as_array().unwrap() {
            if let Some(created) = holding["created_at"].as_str() {
                assert!(utc.is_match(created), "{created}");
                seen += 1;
            }
        }
    }
    assert!(seen >= 5, "{inventory:#}");
}
