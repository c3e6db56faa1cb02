//! Throttling is retried with backoff by the SDK's retry configuration: the
//! real AWS client against a local HTTP server that answers `Throttling`
//! a few times before it answers properly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meshsynth_cli::deploy::aws::{AwsCloud, ConnectOptions};
use meshsynth_cli::deploy::{ApiError, CfnApi, StackId};

const THROTTLED: &str = r#"<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>"#;

const STACK: &str = r#"<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>app</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/app/1</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs><member><OutputKey>Url</OutputKey><OutputValue>https://x</OutputValue></member></Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>"#;

const EXECUTED: &str = r#"<ExecuteChangeSetResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ExecuteChangeSetResult/><ResponseMetadata><RequestId>e</RequestId></ResponseMetadata></ExecuteChangeSetResponse>"#;

/// Serves `throttle` Throttling errors, then answers; counts requests.
fn serve(throttle: usize) -> (String, Arc<AtomicUsize>) {
    let (url, count, _) = serve_recording(throttle);
    (url, count)
}

/// `serve`, also keeping every request body.
fn serve_recording(throttle: usize) -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let seen = seen.clone();
            let kept = kept.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    let mut first = true;
                    let mut request_line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if first {
                            request_line = line.clone();
                        }
                        if line == "\r\n" && !first {
                            break;
                        }
                        first = false;
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    // The client's reachability probe: answered, not counted.
                    if request_line.starts_with("HEAD ") {
                        let _ = conn.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
                        return;
                    }
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    let body = String::from_utf8_lossy(&body).to_string();
                    let executes = body.contains("Action=ExecuteChangeSet");
                    kept.lock().unwrap().push(body);
                    let (status, text) = if n < throttle {
                        ("400 Bad Request", THROTTLED)
                    } else if executes {
                        ("200 OK", EXECUTED)
                    } else {
                        ("200 OK", STACK)
                    };
                    let resp = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if conn.write_all(resp.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, count, bodies)
}

fn connect(url: &str, attempts: u32) -> ConnectOptions {
    ConnectOptions {
        region: Some("us-east-1".into()),
        endpoint_url: Some(url.into()),
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(20),
        ..Default::default()
    }
}

#[test]
fn throttling_is_retried_with_backoff_then_surfaces_as_throttled() {
    // Static test credentials: the SDK signs requests even for a local server.
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::remove_var("AWS_PROFILE");

    let (url, count) = serve(3);
    let info = meshsynth_cli::deploy::block_on(async {
        let cloud = AwsCloud::connect(&connect(&url, 5))
            .await
            .expect("the local server is reachable");
        cloud
            .describe_stack(&StackId::new("us-east-1", "app"))
            .await
    })
    .unwrap()
    .unwrap()
    .unwrap();
    assert_eq!(info.status, "UPDATE_COMPLETE");
    assert_eq!(info.outputs["Url"], "https://x");
    assert_eq!(count.load(Ordering::SeqCst), 4, "3 throttled + 1 answered");

    let (url, count) = serve(usize::MAX);
    let err = meshsynth_cli::deploy::block_on(async {
        let cloud = AwsCloud::connect(&connect(&url, 3))
            .await
            .expect("the local server is reachable");
        cloud
            .describe_stack(&StackId::new("us-east-1", "app"))
            .await
    })
    .unwrap()
    .unwrap_err();
    assert!(matches!(err, ApiError::Throttled(_)), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 3, "max attempts");
}

#[test]
fn executing_a_change_set_is_idempotent_across_retries() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::remove_var("AWS_PROFILE");
    let (url, count, bodies) = serve_recording(2);
    let change_set = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/meshsynth-1/abc";
    meshsynth_cli::deploy::block_on(async {
        let cloud = AwsCloud::connect(&connect(&url, 5))
            .await
            .expect("the local server is reachable");
        cloud
            .execute_change_set(&StackId::new("us-east-1", "app"), change_set)
            .await
    })
    .unwrap()
    .unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 3, "2 throttled + 1 answered");
    let want = format!(
        "ClientRequestToken={}",
        meshsynth_cli::deploy::aws::request_token(change_set)
    );
    let bodies = bodies.lock().unwrap();
    for b in bodies.iter() {
        assert!(b.contains(&want), "every attempt carries {want}: {b}");
    }
    assert_ne!(
        meshsynth_cli::deploy::aws::request_token(change_set),
        meshsynth_cli::deploy::aws::request_token("another")
    );
}
