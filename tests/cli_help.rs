//! The command line's own surface, through the real binary: `--help` for
//! every subcommand, shell completions, and usage errors that neither
//! panic on odd bytes nor echo what looks like a token.

use std::ffi::OsStr;
use std::process::{Command, Output, Stdio};

/// Every subcommand the README documents.
const SUBCOMMANDS: [&str; 8] = [
    "agent",
    "accounts",
    "keys",
    "inventory",
    "publish",
    "revoke",
    "rotate",
    "completions",
];

/// Runs the binary with an empty config folder and HOME, so no user file
/// is ever read.
fn keyfleet<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_keyfleet"))
        .args(args)
        .env("HOME", home.path())
        .env("KEYFLEET_CONFIG_DIR", home.path().join("config"))
        .current_dir(home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_subcommand_has_help() {
    let top = keyfleet(&["--help"]);
    assert_eq!(top.status.code(), Some(0), "{top:?}");
    let text = stdout(&top);
    for sub in SUBCOMMANDS {
        assert!(
            text.contains(&format!("\n  {sub} ")),
            "{sub} missing: {text}"
        );
    }
    assert!(text.contains("Exit status: 0"), "{text}");
    assert!(text.contains("KEYFLEET_CONFIG_DIR"), "{text}");

    for sub in SUBCOMMANDS {
        for flag in ["--help", "-h"] {
            let output = keyfleet(&[sub, flag]);
            assert_eq!(output.status.code(), Some(0), "{sub} {flag}: {output:?}");
            let help = stdout(&output);
            assert!(
                help.contains(&format!("Usage: keyfleet {sub}")),
                "{sub} {flag}: {help}"
            );
            assert!(stderr(&output).is_empty(), "{sub} {flag}: {output:?}");
        }
    }
    // The options each command documents appear in its help.
    for (sub, options) in [
        (
            "inventory",
            &[
                "--local",
                "--dir <DIR>",
                "--strict",
                "--max-age <DAYS>",
                "--max-accounts <N>",
                "--expiring <DAYS>",
                "--json",
            ][..],
        ),
        ("publish", &["--to <ACCOUNT", "--name <NAME>", "--json"]),
        ("revoke", &["--from <ACCOUNT", "--yes", "--json"]),
        (
            "rotate",
            &[
                "--generate <ALGORITHM>",
                "--save <PATH>",
                "--key <PATH>",
                "--to <ACCOUNT",
                "--yes",
                "--remove-old",
                "--json",
                "rsa4096",
            ],
        ),
    ] {
        let help = stdout(&keyfleet(&[sub, "--help"]));
        for option in options {
            assert!(help.contains(option), "{sub}: {option} missing: {help}");
        }
    }
}

#[test]
fn completions_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let output = keyfleet(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {output:?}");
        let script = stdout(&output);
        assert!(script.len() > 500, "{shell}: {script}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: {sub} missing");
        }
        // fish names long options without their dashes (`-l max-age`).
        assert!(script.contains("max-age"), "{shell}: options missing");
    }
    let output = keyfleet(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr(&output).contains("possible values"), "{output:?}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bash_accepts_the_bash_completion_script() {
    let output = keyfleet(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("keyfleet.bash");
    std::fs::write(&script, &output.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "bash -n: {check:?}");
    // Sourced, it registers a completion for keyfleet.
    let sourced = Command::new("bash")
        .arg("-c")
        .arg(format!(". '{}' && complete -p keyfleet", script.display()))
        .output()
        .unwrap();
    assert!(sourced.status.success(), "{sourced:?}");
    assert!(stdout(&sourced).contains("keyfleet"), "{sourced:?}");
}

#[test]
fn a_token_shaped_argument_is_not_echoed() {
    let token = "ghp_R4nd0mL00k1ngT0kenV4lue0123456789";
    for args in [
        vec!["keys", "Prod", token],
        vec![token],
        vec!["inventory", "--max-age", token],
        vec!["revoke", token],
    ] {
        let output = keyfleet(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let message = stderr(&output);
        assert!(!message.contains(token), "{args:?}: {message}");
        assert!(!message.contains("R4nd0m"), "{args:?}: {message}");
        assert!(message.contains("characters, not shown"), "{message}");
        assert!(message.starts_with("keyfleet: "), "{message}");
        assert!(message.contains("Usage:"), "{message}");
    }
    // An ordinary word is named, so the message stays specific.
    let output = keyfleet(&["keys", "Prod", "extra"]);
    assert!(stderr(&output).contains("'extra'"), "{output:?}");
}

#[cfg(unix)]
#[test]
fn arguments_that_are_not_utf8_are_usage_errors_not_panics() {
    use std::os::unix::ffi::OsStrExt;
    let odd = OsStr::from_bytes(b"caf\xe9");
    let output = keyfleet(&[odd]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr(&output).starts_with("keyfleet: "), "{output:?}");

    // A folder name need not be UTF-8: it is looked for as given.
    let output = keyfleet(&[
        OsStr::new("inventory"),
        OsStr::new("--dir"),
        OsStr::from_bytes(b"/nonexistent/caf\xe9"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stderr(&output).contains("/nonexistent/caf"), "{output:?}");
}
