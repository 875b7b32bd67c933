//! Running flutter-bin and reading its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The flutter-bin package directory; tests run there, so paths in messages
/// are `../samples/…`.
pub fn package_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the test dependencies `scripts/provision-test-deps` installs.
pub fn test_dep(path: &str) -> PathBuf {
    let deps = match std::env::var_os("FLUTTER_TEST_DEPS") {
        Some(dir) => PathBuf::from(dir),
        None => package_dir().join("../target/test-deps"),
    };
    deps.join(path)
}

pub fn sample(name: &str) -> String {
    format!("../samples/{name}")
}

/// A command for flutter-bin with `args`, run in the package directory.
pub fn flutter_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flutter-bin"));
    cmd.args(args).current_dir(package_dir());
    // The tests' own settings only, whatever the machine's environment says.
    for (var, _) in std::env::vars().filter(|(var, _)| var.starts_with("OTEL_EXPORTER_OTLP_")) {
        cmd.env_remove(var);
    }
    cmd
}

/// Starts `cmd`, waits `after`, sends it each of `signals` (`TERM`, `INT`, …)
/// 500 ms apart, and waits for it to end; also returns how long it took to
/// end after the first signal.
pub fn signalled(mut cmd: Command, after: std::time::Duration, signals: &[&str]) -> (Run, std::time::Duration) {
    use std::process::Stdio;
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("flutter-bin starts");
    std::thread::sleep(after);
    let signalled_at = std::time::Instant::now();
    for (i, signal) in signals.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        let status = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status();
        assert!(status.expect("kill runs").success());
    }
    let out: Run = child.wait_with_output().expect("flutter-bin ends").into();
    (out, signalled_at.elapsed())
}

/// Runs flutter-bin with `args` to completion.
pub fn flutter(args: &[&str]) -> Run {
    let out = flutter_cmd(args).output().expect("flutter-bin runs");
    Run::from(out)
}

/// A finished run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts exit code 0 and returns self.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, Some(0), "stderr:\n{}", self.stderr);
        self
    }

    /// The point lines without their real-time prefix (`YYYY/MM/DD HH:MM:SS `).
    pub fn points(&self) -> Vec<String> {
        self.stdout
            .lines()
            .map(|l| {
                assert!(is_log_prefix(&l[..20]), "not a point line: {l}");
                l[20..].to_owned()
            })
            .collect()
    }

    /// `(ts, value)` pairs of the point lines.
    pub fn ts_values(&self) -> Vec<(String, f64)> {
        self.points()
            .iter()
            .map(|l| {
                let field = |k: &str| l.split(' ').find_map(|f| f.strip_prefix(k)).unwrap_or_else(|| panic!("{l}"));
                (field("ts=").to_owned(), field("value=").parse().unwrap())
            })
            .collect()
    }
}

/// `2025/04/30 10:44:12 `
fn is_log_prefix(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'/',
            10 | 19 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// A scratch directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("flutter-test-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes a file and returns its path as a string.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An HTTP client for the tests' own backends: no proxy, a generous timeout.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder().proxy(None).timeout_global(Some(std::time::Duration::from_secs(30))).build().into()
}

/// `GET http://127.0.0.1:PORT/PATH`'s body, if it answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    http_agent().get(&format!("http://127.0.0.1:{port}{path}")).call().ok()?.body_mut().read_to_string().ok()
}
