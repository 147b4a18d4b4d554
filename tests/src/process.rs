//! The `tongcheng` binary as a process: where it is, a free port for it,
//! its output line by line, and waiting for a line.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `target/<profile>/tongcheng`, built by `cargo test --workspace` (the api
/// package's own test needs it) before any test runs.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile dir");
    let bin = dir.join("tongcheng");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p api`) first",
        bin.display()
    );
    bin
}

/// A port free on loopback now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary in `cwd` with only the given environment.
pub fn tongcheng(cwd: &Path, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.current_dir(cwd).env_clear().env("RUST_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Streams the child's stdout lines into a channel.
pub fn lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads the child's lines (kept in `seen`) until one contains `needle`;
/// panics with the output after a minute.
pub fn wait_for(rx: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }
    panic!(
        "{needle:?} never printed; output so far:\n{}",
        seen.join("\n")
    );
}

/// `tongcheng serve --demo` (the bare demo county) as a running process.
pub struct DemoServer {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl DemoServer {
    /// Starts the binary and waits until it serves; the demo seed's output
    /// (the operator's password on the first start) is returned with it.
    pub fn start(cwd: &Path, env: &[(&str, String)]) -> (DemoServer, Vec<String>) {
        let port = free_port();
        let mut env = env.to_vec();
        env.push(("TONGCHENG__HTTP__BIND", format!("127.0.0.1:{port}")));
        let mut child = tongcheng(cwd, &env)
            // The bare demo county: these tests count their own orders.
            .args(["serve", "--demo", "--demo-days", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tongcheng");
        let rx = lines(&mut child);
        let mut seen = Vec::new();
        wait_for(&rx, "Tongcheng serving on", &mut seen);
        // Keep draining stdout so the process never blocks on a full pipe.
        std::thread::spawn(move || while rx.recv().is_ok() {});
        let server = DemoServer {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        (server, seen)
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
