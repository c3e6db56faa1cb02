//! A bound on every answer an AWS endpoint (or an emulator, or whatever
//! `--endpoint-url` names) sends: a body is read up to [`MAX_RESPONSE_BYTES`]
//! and then refused, so a 4 GiB body or an endless chunked one costs 16 MiB
//! and one error line, never the runner's memory. An interceptor wraps each
//! response body before the SDK reads it, on every client the toolkit builds.

use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;

/// The largest answer read: CloudFormation's largest (a 1 MB template in
/// GetTemplate, XML-escaped) is a few MiB.
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The error a body over the limit ends with.
#[derive(Debug)]
pub struct ResponseTooLarge(pub u64);

impl std::fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the answer is larger than {} MiB",
            self.0 / (1024 * 1024)
        )
    }
}

impl std::error::Error for ResponseTooLarge {}

/// A body that fails once more than `limit` bytes came through.
struct Limited {
    inner: SdkBody,
    read: u64,
    limit: u64,
}

impl http_body::Body for Limited {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.read > this.limit {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.read += data.len() as u64;
                    if this.read > this.limit {
                        return Poll::Ready(Some(Err(Box::new(ResponseTooLarge(this.limit)))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

/// Wraps every response body in a reader that stops at [`MAX_RESPONSE_BYTES`].
#[derive(Debug, Default)]
pub struct ResponseLimit;

impl Intercept for ResponseLimit {
    fn name(&self) -> &'static str {
        "meshsynth::ResponseLimit"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        // A declared length over the limit is refused before any byte is read.
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
            return Err(Box::new(ResponseTooLarge(MAX_RESPONSE_BYTES)));
        }
        let body = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = body.map(|b| {
            SdkBody::from_body_1_x(Limited {
                inner: b,
                read: 0,
                limit: MAX_RESPONSE_BYTES,
            })
        });
        Ok(())
    }
}
