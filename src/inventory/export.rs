//! The inventory as files: CSV (one line per key and account) and JSON (the
//! same document as `keyfleet inventory --json`). Neither holds a secret:
//! fingerprints, names, accounts, ids, dates, local paths and flags.

use super::{Flag, Inventory};
use crate::providers::ProviderKind;

/// A file format the inventory can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values, one line per key and account.
    Csv,
    /// The `keyfleet inventory --json` document.
    Json,
}

impl ExportFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

/// The CSV header. Columns are only ever appended, so a script that reads
/// them by position keeps working.
pub const CSV_HEADER: [&str; 12] = [
    "sha256",
    "algorithm",
    "bits",
    "comment",
    "flags",
    "local_paths",
    "account",
    "provider",
    "key_id",
    "name",
    "created_at",
    "expires_at",
];

impl Inventory {
    /// The inventory in `format`.
    pub fn export(&self, format: ExportFormat) -> Result<Vec<u8>, String> {
        match format {
            ExportFormat::Csv => self.to_csv(),
            ExportFormat::Json => {
                let mut bytes = serde_json::to_vec_pretty(self)
                    .map_err(|err| format!("could not write the JSON: {err}"))?;
                bytes.push(b'\n');
                Ok(bytes)
            }
        }
    }

    /// One line per (key, account); a key on no account gets one line with
    /// the account columns empty. Several local paths are joined by `;`.
    fn to_csv(&self) -> Result<Vec<u8>, String> {
        let failed = |err: csv::Error| format!("could not write the CSV: {err}");
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(CSV_HEADER).map_err(failed)?;
        for key in &self.keys {
            let flags: Vec<&str> = key.flags.iter().map(|flag| Flag::label(*flag)).collect();
            let common = [
                key.sha256.clone().unwrap_or_default(),
                key.algorithm.clone().unwrap_or_default(),
                key.bits.map(|bits| bits.to_string()).unwrap_or_default(),
                key.comment.clone().unwrap_or_default(),
                flags.join(";"),
                key.local_paths.join(";"),
            ];
            if key.accounts.is_empty() {
                let empty = std::iter::repeat_n(String::new(), CSV_HEADER.len() - common.len());
                let record = common.iter().cloned().chain(empty);
                writer
                    .write_record(record.map(|cell| neutralised(&cell).into_owned()))
                    .map_err(failed)?;
            }
            for holding in &key.accounts {
                let account = [
                    holding.account.clone(),
                    provider_name(holding.provider),
                    holding.key_id.clone(),
                    holding.name.clone(),
                    holding.created_at.clone().unwrap_or_default(),
                    holding.expires_at.clone().unwrap_or_default(),
                ];
                let record = common.iter().cloned().chain(account);
                writer
                    .write_record(record.map(|cell| neutralised(&cell).into_owned()))
                    .map_err(failed)?;
            }
        }
        writer
            .into_inner()
            .map_err(|err| format!("could not write the CSV: {}", err.error()))
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's
/// CSV injection list: `=`, `+`, `-`, `@`, tab, CR; also LF and NUL, which
/// some spreadsheets skip before looking for a formula).
const FORMULA_STARTS: [char; 8] = ['=', '+', '-', '@', '\t', '\r', '\n', '\0'];

/// `cell` made inert for spreadsheets: a cell that begins like a formula
/// (a server's key named `=HYPERLINK(…)`) gets a leading `'`, which
/// spreadsheets take as "text" and do not show. Other cells are unchanged.
pub fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The provider as the JSON export (and `profiles.json`) names it: its
/// serde name, so the CSV and JSON exports agree.
fn provider_name(kind: ProviderKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}").to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Holding, KeyGroup};
    use crate::providers::ProviderKind;

    #[test]
    fn csv_has_a_line_per_key_and_account_and_quotes_what_needs_it() {
        let mut shared = KeyGroup::new(Some("SHA256:abc".into()));
        shared.algorithm = Some("ED25519".into());
        shared.comment = Some("alice, \"laptop\"".into());
        shared.flags = vec![Flag::Old, Flag::Widespread];
        for (account, id, expires_at) in [
            ("Prod", "1", None),
            ("Dev", "2", Some("2030-01-31T00:00:00Z")),
        ] {
            shared.accounts.push(Holding {
                account: account.into(),
                profile_id: "p".into(),
                provider: ProviderKind::Gcore,
                key_id: id.into(),
                name: "laptop".into(),
                created_at: None,
                matched_by_name_only: false,
                fingerprint_warning: None,
                expires_at: expires_at.map(Into::into),
            });
        }
        let mut local_only = KeyGroup::new(Some("SHA256:def".into()));
        local_only.local_paths = vec!["/a/x.pub".into(), "/b/x".into()];
        let inventory = Inventory {
            keys: vec![shared, local_only],
            errors: Vec::new(),
        };
        let csv = String::from_utf8(inventory.export(ExportFormat::Csv).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(
            lines[1],
            r#"SHA256:abc,ED25519,,"alice, ""laptop""",old;widespread,,Prod,gcore,1,laptop,,"#
        );
        // `expires_at` is the last column, after `created_at`.
        assert!(
            lines[2].ends_with(",Dev,gcore,2,laptop,,2030-01-31T00:00:00Z"),
            "{}",
            lines[2]
        );
        assert_eq!(lines[3], "SHA256:def,,,,,/a/x.pub;/b/x,,,,,,");
        assert_eq!(lines.len(), 4);
        let json: serde_json::Value =
            serde_json::from_slice(&inventory.export(ExportFormat::Json).unwrap()).unwrap();
        assert_eq!(json["keys"][0]["accounts"][1]["account"], "Dev");
        assert!(json["keys"][0]["accounts"][0].get("profile_id").is_none());
    }

    #[test]
    fn cells_that_begin_like_formulas_are_neutralised() {
        let mut group = KeyGroup::new(Some("SHA256:abc".into()));
        group.comment = Some("+cmd|' /C calc'!A0".into());
        group.local_paths = vec!["-x.pub".into()];
        for (name, id) in [
            ("=HYPERLINK(\"http://evil.example\",\"x\")", "@SUM(1)"),
            ("\tindented", "\r1"),
            ("plain = name", "-1"),
        ] {
            group.accounts.push(Holding {
                account: "Prod".into(),
                profile_id: "p".into(),
                provider: ProviderKind::Gcore,
                key_id: id.into(),
                name: name.into(),
                created_at: Some("=1+1".into()),
                matched_by_name_only: false,
                fingerprint_warning: None,
                expires_at: None,
            });
        }
        let inventory = Inventory {
            keys: vec![group],
            errors: Vec::new(),
        };
        let bytes = inventory.export(ExportFormat::Csv).unwrap();
        // Read back as a spreadsheet would: every cell as it will appear.
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        for row in &rows {
            for cell in row {
                assert!(!cell.starts_with(FORMULA_STARTS), "{cell:?} in {row:?}");
            }
            assert_eq!(&row[3], "'+cmd|' /C calc'!A0");
            assert_eq!(&row[5], "'-x.pub");
            assert_eq!(&row[10], "'=1+1");
        }
        let names: Vec<(&str, &str)> = rows.iter().map(|row| (&row[9], &row[8])).collect();
        assert_eq!(
            names,
            [
                ("'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(1)"),
                ("'\tindented", "'\r1"),
                // Only the first character matters.
                ("plain = name", "'-1"),
            ]
        );
        // The JSON export is data, not cells: names stay exactly as given.
        let json: serde_json::Value =
            serde_json::from_slice(&inventory.export(ExportFormat::Json).unwrap()).unwrap();
        assert_eq!(json["keys"][0]["accounts"][2]["key_id"], "-1");
    }
}
