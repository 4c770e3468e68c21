//! Replacing a file so that a crash or a full disk never leaves half of it:
//! write a temporary file in the same folder, flush it, rename it over the
//! target, then flush the folder so the rename itself is durable. Used for
//! profiles.json, rotations.json and inventory exports.

use std::io::Write;
use std::path::Path;

/// Replaces `path` (in `folder`) with `bytes`. `before_rename` runs between
/// the flushed temporary file and the rename (tests interrupt a save
/// there). On failure, says which step failed, for the caller's message.
pub fn replace_file(
    folder: &Path,
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), (&'static str, std::io::Error)> {
    let mut temp =
        tempfile::NamedTempFile::new_in(folder).map_err(|err| ("creating a temp file", err))?;
    temp.write_all(bytes).map_err(|err| ("writing", err))?;
    temp.as_file().sync_all().map_err(|err| ("flushing", err))?;
    before_rename(temp.path()).map_err(|err| ("interrupted", err))?;
    temp.persist(path)
        .map_err(|err| ("replacing the file", err.error))?;
    sync_folder(folder);
    Ok(())
}

/// Makes the rename itself durable: without it a crash soon after saving can
/// bring back the old file. The new file is already complete, so a failure
/// here only weakens crash safety and is not reported.
fn sync_folder(folder: &Path) {
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
}
