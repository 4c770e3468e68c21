//! The command line's grammar, declared once with clap's derive: the help
//! of every subcommand, the usage errors and the shell completions all come
//! from these types. [`parse`] turns them into an [`Invocation`].
//!
//! Checks that need no account (a fingerprint's shape, an absolute path, a
//! non-empty account list) are value parsers here, so they fail as usage
//! errors before anything is read.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use super::rotate::{NewKeySource, RotateArgs};
use super::{Command, InventoryArgs, Invocation, UsageError, change, terminal};
use crate::keys::generate::KeyAlgorithm;

/// What the top-level help ends with.
const AFTER_HELP: &str = "\
Exit status: 0 success, 1 an account failed (the others are still shown), 2 bad usage.

Environment:
  KEYFLEET_CONFIG_DIR   Folder for profiles.json (default: the platform config dir).
  RUST_LOG              Log filter, e.g. RUST_LOG=keyfleet=debug (logs never contain secrets).

Tokens come from the OS keyring or the environment variable each account names,
never from the command line.";

/// Keyfleet: SSH keys across Gcore Cloud, Sesterce, HCP Terraform and GitHub accounts.
///
/// With no command, opens the window.
#[derive(Debug, Parser)]
#[command(name = "keyfleet", version, after_help = AFTER_HELP)]
struct Cli {
    /// Run against built-in sandbox servers with sample accounts (temporary
    /// config, tokens in memory; nothing leaves this machine).
    #[arg(long, global = true)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Sub>,
}

/// `--json`, shared by every command that prints results.
#[derive(Debug, Args)]
struct Output {
    /// Machine-readable output (documented in the README).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// The accounts (profiles); never their tokens.
    Accounts {
        #[command(flatten)]
        output: Output,
    },
    /// One account's keys.
    Keys {
        /// The profile's name or id.
        account: String,
        #[command(flatten)]
        output: Output,
    },
    /// Every key across all accounts, grouped by SHA256 fingerprint.
    Inventory(InventoryCli),
    /// Add a public key to accounts: one create per account, none where the
    /// key already is (same fingerprint).
    Publish(PublishCli),
    /// Delete the key with this fingerprint from the accounts.
    ///
    /// Without --yes it only lists what would be deleted (exit status 2).
    /// Keys whose account shows no public key (HCP Terraform) cannot be
    /// checked and are listed.
    Revoke(RevokeCli),
    /// Replace the key with this fingerprint on the accounts holding it.
    ///
    /// Saves the new key at PATH (absolute), adds it, and keeps the old key
    /// until --remove-old (now or in a later run). Without --yes it prints
    /// the plan and changes nothing (exit status 2). Shares rotations.json
    /// with the window.
    Rotate(RotateCli),
    /// The ssh-agent's keys (SSH_AUTH_SOCK), with the accounts and files
    /// holding each; `agent add` and `agent remove` change it.
    ///
    /// Files are looked for in ~/.ssh (the demo's folder with --demo).
    /// Exit status 1 when there is no agent, it refuses, or an account
    /// could not be listed.
    Agent(AgentCli),
    /// Print a completion script for SHELL to standard output.
    ///
    /// For example `keyfleet completions bash > ~/.local/share/bash-completion/completions/keyfleet`.
    Completions {
        /// The shell the script is for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct AgentCli {
    #[command(subcommand)]
    action: Option<AgentSub>,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, Subcommand)]
enum AgentSub {
    /// Add a private key file to the agent (like ssh-add).
    ///
    /// An encrypted key needs --passphrase-stdin; a wrong passphrase sends
    /// nothing to the agent.
    Add {
        /// The private key file (OpenSSH, or PEM RSA).
        path: PathBuf,
        /// The agent forgets the key after SECONDS (ssh-add -t).
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
        lifetime: Option<u32>,
        /// The agent asks before each use of the key (ssh-add -c).
        #[arg(long)]
        confirm: bool,
        /// Read the key's passphrase from the first line of standard input.
        #[arg(long)]
        passphrase_stdin: bool,
        #[command(flatten)]
        output: Output,
    },
    /// Remove the key with this fingerprint from the agent (like ssh-add -d).
    Remove {
        /// The key's SHA256 fingerprint, as ssh-add -l prints it.
        #[arg(value_name = "SHA256", value_parser = fingerprint)]
        sha256: String,
        #[command(flatten)]
        output: Output,
    },
}

impl AgentCli {
    fn into_args(self) -> super::AgentArgs {
        use super::AgentArgs;
        match self.action {
            None => AgentArgs::List {
                json: self.output.json,
            },
            Some(AgentSub::Add {
                path,
                lifetime,
                confirm,
                passphrase_stdin,
                output,
            }) => AgentArgs::Add {
                path,
                lifetime,
                confirm,
                passphrase_stdin,
                json: output.json,
            },
            Some(AgentSub::Remove { sha256, output }) => AgentArgs::Remove {
                sha256,
                json: output.json,
            },
        }
    }
}

#[derive(Debug, Args)]
struct InventoryCli {
    #[command(flatten)]
    output: Output,
    /// Also look at this computer (read-only): the keys in ~/.ssh, which
    /// of them the ssh-agent holds, and the hosts ~/.ssh/config uses them
    /// for.
    #[arg(long)]
    local: bool,
    /// Also scan DIR (implies --local; repeatable).
    #[arg(long, value_name = "DIR")]
    dir: Vec<PathBuf>,
    /// Count ECDSA P-256 as weak too.
    #[arg(long)]
    strict: bool,
    /// Flag keys older than DAYS.
    #[arg(long, value_name = "DAYS")]
    max_age: Option<u32>,
    /// Flag keys on more than N accounts.
    #[arg(long, value_name = "N")]
    max_accounts: Option<usize>,
    /// Flag keys with a copy expiring within DAYS ("expired" is always
    /// flagged).
    #[arg(long, value_name = "DAYS")]
    expiring: Option<u32>,
}

#[derive(Debug, Args)]
struct PublishCli {
    /// The public key file (KEY.pub).
    pubfile: PathBuf,
    /// The accounts: profile names or ids, comma-separated.
    #[arg(long, value_name = "ACCOUNT[,ACCOUNT...]", value_parser = account_list)]
    to: AccountList,
    /// The key's name on the accounts (default: the file name without .pub).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, Args)]
struct RevokeCli {
    /// SHA256: and 43 Base64 characters (as ssh-keygen -l prints it), or a
    /// public key file.
    #[arg(value_name = "SHA256|PUBFILE", value_parser = revoke_target)]
    target: String,
    /// The accounts (default: all): profile names or ids, comma-separated.
    #[arg(long, value_name = "ACCOUNT[,ACCOUNT...]", value_parser = account_list)]
    from: Option<AccountList>,
    /// Really delete.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, Args)]
struct RotateCli {
    /// The old key's SHA256 fingerprint.
    #[arg(value_name = "SHA256", value_parser = fingerprint)]
    sha256: String,
    /// Generate the new key with this algorithm (needs --save).
    #[arg(
        long,
        value_name = "ALGORITHM",
        requires = "save",
        conflicts_with = "key"
    )]
    generate: Option<Algorithm>,
    /// Where to save the generated private key (an absolute path).
    #[arg(long, value_name = "PATH", requires = "generate", value_parser = absolute_path)]
    save: Option<PathBuf>,
    /// Use this private key already on this computer (an absolute path).
    #[arg(long, value_name = "PATH", value_parser = absolute_path)]
    key: Option<PathBuf>,
    /// The accounts (default: all holding it): profile names or ids, comma-separated.
    #[arg(long, value_name = "ACCOUNT[,ACCOUNT...]", value_parser = account_list)]
    to: Option<AccountList>,
    /// Change the accounts (without it: print the plan only).
    #[arg(long)]
    yes: bool,
    /// Go on past the pause: remove the old key.
    #[arg(long)]
    remove_old: bool,
    #[command(flatten)]
    output: Output,
}

/// The algorithms `rotate --generate` offers.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Algorithm {
    /// Ed25519: small, fast, the modern default.
    Ed25519,
    /// RSA with a 4096-bit modulus (seconds to generate).
    Rsa4096,
}

impl From<Algorithm> for KeyAlgorithm {
    fn from(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
            Algorithm::Rsa4096 => KeyAlgorithm::Rsa4096,
        }
    }
}

/// A comma-separated list of profile names or ids, blanks dropped.
#[derive(Clone, Debug)]
struct AccountList(Vec<String>);

fn account_list(value: &str) -> Result<AccountList, String> {
    let accounts: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    if accounts.is_empty() {
        return Err("needs at least one account name or id".into());
    }
    Ok(AccountList(accounts))
}

fn revoke_target(value: &str) -> Result<String, String> {
    change::check_revoke_arg(value)?;
    Ok(value.to_string())
}

/// `SHA256:` and 43 Base64 characters, as `ssh-keygen -l` prints it.
fn fingerprint(value: &str) -> Result<String, String> {
    let body = value.strip_prefix("SHA256:").unwrap_or("");
    let base64 = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
    if body.len() == 43 && body.chars().all(base64) {
        return Ok(value.to_string());
    }
    Err("not a SHA256 fingerprint (SHA256: and 43 characters, as ssh-keygen -l prints it)".into())
}

/// A path for a private key, refused unless absolute: a relative path would
/// put a private key wherever keyfleet happens to run.
fn absolute_path(value: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(value);
    if !path.is_absolute() {
        return Err("needs an absolute path: a relative path would be resolved against the current folder, and a private key does not belong there (for example ~/.ssh/NAME)".into());
    }
    Ok(path)
}

impl Sub {
    /// What this subcommand asks for.
    fn into_invocation(self, demo: bool) -> Invocation {
        let command = match self {
            Sub::Completions { shell } => return Invocation::Print(completion_script(shell)),
            Sub::Accounts { output } => Command::Accounts { json: output.json },
            Sub::Keys { account, output } => Command::Keys {
                account,
                json: output.json,
            },
            Sub::Inventory(inventory) => Command::Inventory(InventoryArgs {
                json: inventory.output.json,
                local: inventory.local || !inventory.dir.is_empty(),
                dirs: inventory.dir,
                strict: inventory.strict,
                max_age_days: inventory.max_age,
                max_accounts: inventory.max_accounts,
                expiring_days: inventory.expiring,
            }),
            Sub::Publish(publish) => Command::Publish {
                pubfile: publish.pubfile,
                to: publish.to.0,
                name: publish.name,
                json: publish.output.json,
            },
            Sub::Revoke(revoke) => Command::Revoke {
                sha256: revoke.target,
                from: revoke.from.map(|list| list.0).unwrap_or_default(),
                yes: revoke.yes,
                json: revoke.output.json,
            },
            Sub::Rotate(rotate) => Command::Rotate(rotate.into_args()),
            Sub::Agent(agent) => Command::Agent(agent.into_args()),
        };
        Invocation::Run { demo, command }
    }
}

impl RotateCli {
    fn into_args(self) -> RotateArgs {
        // clap's `requires`/`conflicts_with` leave only these shapes.
        let new_key = match (self.generate, self.save, self.key) {
            (Some(algorithm), Some(save), None) => Some(NewKeySource::Generate {
                algorithm: algorithm.into(),
                save,
            }),
            (None, None, Some(key)) => Some(NewKeySource::Key(key)),
            _ => None,
        };
        RotateArgs {
            sha256: self.sha256,
            new_key,
            to: self.to.map(|list| list.0).unwrap_or_default(),
            yes: self.yes,
            remove_old: self.remove_old,
            json: self.output.json,
        }
    }
}

/// Parses the arguments after the program name.
pub(super) fn parse<I, T>(args: I) -> Result<Invocation, UsageError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let argv = std::iter::once(OsString::from("keyfleet")).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => return printed_or_usage_error(&err, &args),
    };
    Ok(match cli.command {
        None => Invocation::Window { demo: cli.demo },
        Some(sub) => sub.into_invocation(cli.demo),
    })
}

/// The completion script for `shell`, made from the same grammar.
pub(super) fn completion_script(shell: clap_complete::Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "keyfleet", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// `--help` and `--version` are text to print; anything else is bad usage,
/// told in clap's words (with the usage line) minus its `error: ` prefix,
/// with what looks like a secret hidden and control characters escaped.
fn printed_or_usage_error(err: &clap::Error, args: &[OsString]) -> Result<Invocation, UsageError> {
    let text = err.render().to_string();
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        return Ok(Invocation::Print(text.trim_end().to_string()));
    }
    let text = text.strip_prefix("error: ").unwrap_or(&text).trim_end();
    let text = with_usage(text, args);
    let hidden = hide_secret_like(&text, args);
    // Escape each line, keeping the line breaks of clap's layout.
    let lines: Vec<String> = hidden
        .lines()
        .map(|line| terminal::escape(line).into_owned())
        .collect();
    Err(UsageError(lines.join("\n")))
}

/// clap leaves the usage line out of some errors (a refused value); every
/// usage error shows the usage of the command concerned, before clap's
/// closing hint.
fn with_usage(text: &str, args: &[OsString]) -> String {
    if text.contains("Usage:") {
        return text.to_string();
    }
    let mut cli = Cli::command();
    cli.build();
    let named = args
        .iter()
        .find_map(|arg| cli.find_subcommand(arg.to_string_lossy().as_ref()).cloned());
    let usage = match named {
        Some(mut sub) => sub.render_usage(),
        None => cli.render_usage(),
    };
    match text.rsplit_once("\n\n") {
        Some((problem, hint)) => format!("{problem}\n\n{usage}\n\n{hint}"),
        None => format!("{text}\n\n{usage}"),
    }
}

/// `text` with every argument that could be a token (a long run of
/// letters and digits, as API tokens are) replaced by its length: tokens
/// never belong on the command line, but one pasted there by mistake must
/// not reach a terminal log through the error that refuses it.
pub(super) fn hide_secret_like(text: &str, args: &[OsString]) -> String {
    let mut text = text.to_string();
    for arg in args {
        let arg = arg.to_string_lossy();
        // `--flag=value` is echoed as `--flag` or whole; check the value.
        let value = arg.split_once('=').map_or(&*arg, |(_, value)| value);
        for candidate in [&*arg, value] {
            if looks_like_token(candidate) && text.contains(candidate) {
                let shown = format!("<{} characters, not shown>", candidate.chars().count());
                text = text.replace(candidate, &shown);
            }
        }
    }
    text
}

/// At least 20 characters with letters and digits, no spaces, no path and
/// not a fingerprint: the shape of GitHub, Gcore, Sesterce and Terraform
/// tokens, and not of account names, key files or flags as people type them.
fn looks_like_token(arg: &str) -> bool {
    arg.chars().count() >= 20
        && !arg.starts_with('-')
        && !arg.starts_with("SHA256:")
        && !arg.contains(['/', '\\', ' '])
        && arg.chars().any(|c| c.is_ascii_digit())
        && arg.chars().any(|c| c.is_alphabetic())
}
