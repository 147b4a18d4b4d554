//! A throwaway PostgreSQL cluster for the test process.
//!
//! Started once per test binary from the installed binaries (`initdb`,
//! `pg_ctl`) on a free loopback port in a temporary directory, as a non-root
//! user when the tests run as root (PostgreSQL refuses root). A detached
//! watchdog stops the cluster and removes its directory when the test
//! process exits. `TONGCHENG_TEST_DATABASE_URL` (an admin URL) skips all that.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The OS user that owns the test cluster when tests run as root.
pub const PG_USER: &str = "tongcheng-pg";

static CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();

/// The admin URL of the test cluster (without a database name), starting it
/// on first use.
pub fn admin_url() -> Result<String, String> {
    CLUSTER.get_or_init(start).clone()
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The installed PostgreSQL program `name` (`pg_dump`, `pg_restore`, …):
/// beside `initdb`, or else on the PATH.
pub fn bin(name: &str) -> PathBuf {
    bin_dir()
        .map(|dir| dir.join(name))
        .ok()
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(path) = run(Command::new("sh").args(["-c", "command -v initdb"]))
        && !path.is_empty()
    {
        return Path::new(&path)
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| "initdb has no parent directory".to_owned());
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL binaries not found: install postgresql (initdb, pg_ctl)".to_owned()
        })?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    candidates.sort();
    candidates
        .pop()
        .ok_or_else(|| "PostgreSQL binaries not found: install postgresql (initdb, pg_ctl)".into())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Runs `program args` as the cluster owner (through runuser when root).
fn as_owner(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", PG_USER, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start() -> Result<String, String> {
    if let Ok(url) = std::env::var("TONGCHENG_TEST_DATABASE_URL") {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let bin = bin_dir()?;
    let root = run(Command::new("id").arg("-u"))? == "0";
    if root && run(Command::new("id").args(["-u", PG_USER])).is_err() {
        run(Command::new("useradd").args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            PG_USER,
        ]))?;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("tongcheng-pg-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if root {
        run(Command::new("chown").arg(PG_USER).arg(&dir))?;
    }
    let data = dir.join("data");
    run(as_owner(root, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]))?;
    let port = free_port()?;
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300",
        dir.display()
    );
    run(as_owner(root, &bin.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .args(["-o", &opts, "-w", "start"]))?;
    // The watchdog outlives us in its own session and cleans up after us.
    let stop = if root {
        format!("runuser -u {PG_USER} -- {}", bin.join("pg_ctl").display())
    } else {
        bin.join("pg_ctl").display().to_string()
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} -D {data} stop -m immediate >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the cluster watchdog: {e}"))?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}"))
}
