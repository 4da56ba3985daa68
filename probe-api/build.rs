//! Names the commit the binary is built from, for `--version`, the start log line and
//! `mailtls_build_info`: `MAILTLS_COMMIT` when set (builds outside a Git checkout, such as a
//! container build), else `git rev-parse`, else `unknown`.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=MAILTLS_COMMIT");
    let commit = std::env::var("MAILTLS_COMMIT")
        .ok()
        .filter(|commit| !commit.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=MAILTLS_COMMIT={}", commit.trim());
}

/// The short commit of `HEAD`, asking to be run again when `HEAD` moves.
fn git_commit() -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git").args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    // Only files that exist: cargo runs a build script again on every build while a file it
    // watches is missing.
    let watch = |path: &Path| {
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    };
    let git_dir = git(&["rev-parse", "--git-dir"])?;
    let common_dir = git(&["rev-parse", "--git-common-dir"]).unwrap_or_else(|| git_dir.clone());
    let head = Path::new(&git_dir).join("HEAD");
    watch(&head);
    if let Some(reference) = std::fs::read_to_string(&head)
        .ok()
        .and_then(|text| text.strip_prefix("ref: ").map(|r| r.trim().to_owned()))
    {
        watch(&Path::new(&common_dir).join(reference));
        watch(&Path::new(&common_dir).join("packed-refs"));
    }
    git(&["rev-parse", "--short=12", "HEAD"]).filter(|commit| !commit.is_empty())
}
