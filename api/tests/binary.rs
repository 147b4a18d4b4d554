//! The `tongcheng` binary starts and explains itself. (The full black-box
//! tests of the binary live in the workspace's `tests` crate; this target
//! also makes `cargo test` build the binary they run.)

use std::process::Command;

#[test]
fn version_and_help() {
    let bin = env!("CARGO_BIN_EXE_tongcheng");
    let out = Command::new(bin).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tongcheng "));
    let help = Command::new(bin).arg("help").output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("seed-demo"));
}
