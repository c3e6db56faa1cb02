//! Endpoints that misbehave (issue: a silent endpoint hung deploy forever,
//! an HTTP 500 printed an SDK `Debug` dump): each ends with one clear line
//! naming the endpoint, within a bounded time. The servers here listen on
//! 127.0.0.1 only and stop with the test.

use crate::diff_support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn assembly(dir: &std::path::Path) {
    diff_support::write(
        dir,
        &[(
            "web",
            serde_json::json!({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
        )],
        &[],
    );
}

fn deploy(cwd: &std::path::Path, endpoint: &str) -> (i32, String, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args([
            "deploy",
            "--assembly",
            "asm",
            "--endpoint-url",
            endpoint,
            "--region",
            "eu-west-1",
            "--require-approval",
            "never",
        ])
        .current_dir(cwd)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cwd.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            cwd.join("no-aws-credentials"),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
        started.elapsed(),
    )
}

/// Serves on 127.0.0.1 with `answer` for each connection, on a thread that
/// ends with the process.
fn serve(answer: fn(std::net::TcpStream)) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten().take(64) {
            std::thread::spawn(move || answer(s));
        }
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn an_endpoint_that_accepts_and_never_answers_fails_within_seconds() {
    let t = tempfile::tempdir().unwrap();
    assembly(&t.path().join("asm"));
    let url = serve(|s| {
        // Hold the connection open, say nothing.
        std::thread::sleep(Duration::from_secs(60));
        drop(s);
    });
    let (code, err, took) = deploy(t.path(), &url);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("sends nothing within 3 s"), "{err}");
    assert!(err.contains(&url), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn an_http_500_is_one_line_without_a_debug_dump() {
    let t = tempfile::tempdir().unwrap();
    assembly(&t.path().join("asm"));
    let url = serve(|mut s| {
        let mut buf = [0u8; 65536];
        // One answer per request on this connection.
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            let body = "<html>Internal Server Error</html>";
            let _ = write!(
                s,
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let (code, err, took) = deploy(t.path(), &url);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("answered HTTP 500"), "{err}");
    for dump in ["Response {", "SdkError", "ServiceError {", "raw:", "<html>"] {
        assert!(!err.contains(dump), "{dump} in {err}");
    }
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

/// Reads one request's head (up to the blank line), so the answer follows it.
fn read_request(s: &mut std::net::TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    true
}

/// 12: an endless chunked body once took 7.9 GB in 55 s, a 4 GiB one
/// aborted with a backtrace after 6.5 GB: an answer is read up to 16 MiB.
#[test]
fn an_endless_or_huge_answer_is_cut_off_in_one_line() {
    for declared in [false, true] {
        let t = tempfile::tempdir().unwrap();
        assembly(&t.path().join("asm"));
        let url = if declared {
            serve(|mut s| {
                while read_request(&mut s) {
                    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4294967296\r\n\r\n");
                    let block = vec![b'<'; 64 * 1024];
                    for _ in 0..70_000 {
                        if s.write_all(&block).is_err() {
                            return;
                        }
                    }
                }
            })
        } else {
            serve(|mut s| {
                if read_request(&mut s) {
                    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n");
                    let block = vec![b'<'; 64 * 1024];
                    loop {
                        if write!(s, "{:x}\r\n", block.len()).is_err()
                            || s.write_all(&block).is_err()
                            || s.write_all(b"\r\n").is_err()
                        {
                            return;
                        }
                    }
                }
            })
        };
        let (code, err, took) = deploy(t.path(), &url);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("larger than 16 MiB"), "{err}");
        assert_eq!(
            err.trim()
                .lines()
                .filter(|l| l.starts_with("error"))
                .count(),
            1,
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(took < Duration::from_secs(60), "took {took:?}");
    }
}

/// Low: an endpoint's error message with `\n` in it forged a line of
/// deploy's output.
#[test]
fn an_endpoint_message_cannot_forge_a_line() {
    let t = tempfile::tempdir().unwrap();
    assembly(&t.path().join("asm"));
    let url = serve(|mut s| {
        while read_request(&mut s) {
            let body = "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>bad\nerror: forged line\ngone</Message></Error><RequestId>1</RequestId></ErrorResponse>";
            let _ = write!(
                s,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let (code, err, _) = deploy(t.path(), &url);
    assert_eq!(code, 1, "{err}");
    assert!(
        !err.lines().any(|l| l.starts_with("error: forged")),
        "{err}"
    );
    assert!(err.contains("forged line"), "{err}");
}
