//! The real `CfnApi` and `ObjectStore`: the AWS SDK for Rust, with
//! credentials and region from the standard chain (environment, shared
//! config/credentials files and `--profile`, web identity, ECS/EC2 roles,
//! `credential_process`), `--endpoint-url` for emulators, and throttling
//! retried with exponential backoff by the SDK's standard retry mode.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cloudformation as cfn;
use aws_sdk_cloudformation::config::Region;
use aws_sdk_cloudformation::error::SdkError;
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cloudformation::primitives::DateTimeFormat;
use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter, TemplateStage};
use aws_sdk_s3 as s3;
use aws_smithy_http_client::tls;

use super::api::{
    ApiError, CfnApi, ChangeSetInfo, ChangeSetKind, ChangeSetRequest, LookupApi, MskBrokers,
    ObjectStore, ResourceChange, StackEvent, StackId, StackInfo, TemplateSource,
};
use super::limit::{ResponseLimit, ResponseTooLarge, MAX_RESPONSE_BYTES};

/// How to reach AWS (or an emulator).
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// A named profile of the shared config files. Default: the chain's (`AWS_PROFILE` or `default`).
    pub profile: Option<String>,
    /// The region for stacks without one. Default: the chain's (`AWS_REGION`, profile).
    pub region: Option<String>,
    /// A custom endpoint for every service (an emulator). Default: AWS.
    pub endpoint_url: Option<String>,
    /// Attempts per call, first included, for throttling and transient errors. Default: 6.
    pub max_attempts: u32,
    /// The first retry delay; it grows exponentially (with jitter) up to 20 s. Default: 1 s.
    pub initial_backoff: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            max_attempts: 6,
            initial_backoff: Duration::from_secs(1),
        }
    }
}

/// CloudFormation and S3 clients, one pair per region, sharing one
/// credentials chain.
pub struct AwsCloud {
    base: SdkConfig,
    path_style: bool,
    clients: RefCell<BTreeMap<String, (cfn::Client, s3::Client)>>,
}

impl AwsCloud {
    /// Loads credentials and region from the standard chain plus `opts`.
    /// A custom endpoint must accept a TCP connection within
    /// `CONNECT_TIMEOUT`, so a wrong `--endpoint-url` fails at once with its
    /// name instead of after every retry.
    pub async fn connect(opts: &ConnectOptions) -> Result<AwsCloud, ApiError> {
        if let Some(url) = &opts.endpoint_url {
            check_reachable(url)?;
        }
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .read_timeout(READ_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            )
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(opts.max_attempts.max(1))
                    .with_initial_backoff(opts.initial_backoff)
                    .with_max_backoff(Duration::from_secs(20)),
            );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(u) = &opts.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let base = loader.load().await;
        // The SDK would fail every call on a bad region with a construction
        // dump; say it once, before any call.
        if let Some(r) = base.region() {
            if meshsynth::core::names::validate_region(r.as_ref()).is_err() {
                return Err(ApiError::BadRegion(format!(
                    "\"{}\"",
                    meshsynth::untrusted::inert(r.as_ref())
                )));
            }
        }
        Ok(AwsCloud {
            base,
            // Emulators cannot serve virtual-hosted bucket names.
            path_style: opts.endpoint_url.is_some(),
            clients: RefCell::new(BTreeMap::new()),
        })
    }

    /// The region for stacks without one (`--region`, or the chain's).
    pub fn default_region(&self) -> Option<String> {
        self.base.region().map(|r| r.to_string())
    }

    fn clients(&self, region: &str) -> (cfn::Client, s3::Client) {
        if let Some(c) = self.clients.borrow().get(region) {
            return c.clone();
        }
        let region_v = Region::new(region.to_string());
        let c = cfn::Client::from_conf(
            cfn::config::Builder::from(&self.base)
                .interceptor(ResponseLimit)
                .region(region_v.clone())
                .build(),
        );
        let s = s3::Client::from_conf(
            s3::config::Builder::from(&self.base)
                .interceptor(ResponseLimit)
                .region(region_v)
                .force_path_style(self.path_style)
                .build(),
        );
        self.clients
            .borrow_mut()
            .insert(region.to_string(), (c.clone(), s.clone()));
        (c, s)
    }

    pub(crate) fn cfn(&self, region: &str) -> cfn::Client {
        self.clients(region).0
    }

    /// The account and ARN of the credentials (STS GetCallerIdentity), asked
    /// in `region` when the chain names none (STS is in every region).
    pub async fn caller_identity(
        &self,
        region: Option<&str>,
    ) -> Result<(String, String), ApiError> {
        let mut conf = aws_sdk_sts::config::Builder::from(&self.base).interceptor(ResponseLimit);
        if self.base.region().is_none() {
            if let Some(r) = region {
                conf = conf.region(Region::new(r.to_string()));
            }
        }
        let out = aws_sdk_sts::Client::from_conf(conf.build())
            .get_caller_identity()
            .send()
            .await
            .map_err(map_err)?;
        Ok((
            out.account().unwrap_or_default().to_string(),
            out.arn().unwrap_or_default().to_string(),
        ))
    }
}

/// The `ClientRequestToken` of executing `change_set`: a function of the
/// change set alone, so every retry of the call (by the SDK after a
/// timeout, or by a person re-running deploy) is the same request to
/// CloudFormation and executes it at most once.
pub fn request_token(change_set: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(change_set.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("meshsynth-{hex}")
}

/// How long a connection to an endpoint may take before the call fails.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Longest silence while a response is read (CloudFormation answers in
/// well under a second; a large GetTemplate in a few).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest single attempt of a call, connection to last byte.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest call, retries and backoff included: an endpoint that keeps
/// failing ends the call within this, with a one-line error.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(180);

/// A TCP connection to the host and port of `url` within `CONNECT_TIMEOUT`.
fn check_reachable(url: &str) -> Result<(), ApiError> {
    use std::net::{TcpStream, ToSocketAddrs};
    let unreachable = |detail: String| ApiError::Unreachable {
        endpoint: format!("{url} (--endpoint-url)"),
        detail,
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| unreachable("not a URL; write it as http://HOST:PORT".into()))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        80
    };
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !authority.ends_with(']');
    let target = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    let addrs: Vec<_> = target
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve {target}: {e}")))?
        .collect();
    let mut last = String::from("no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(stream) => return answers(stream).map_err(unreachable),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = "connection refused".into()
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(unreachable(last))
}

/// Whether a custom endpoint that accepted the connection also answers:
/// a bare HTTP request must get some bytes, or a close, within
/// `CONNECT_TIMEOUT`. An endpoint that accepts and then says nothing would
/// otherwise hold every call until its read timeout, retries included.
fn answers(mut stream: std::net::TcpStream) -> Result<(), String> {
    use std::io::{Read, Write};
    let silent = || {
        format!(
            "accepts connections but sends nothing within {} s",
            CONNECT_TIMEOUT.as_secs()
        )
    };
    stream
        .set_read_timeout(Some(CONNECT_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(CONNECT_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    // A TLS endpoint answers this with an alert or a close; either is an answer.
    stream
        .write_all(b"HEAD / HTTP/1.0\r\n\r\n")
        .map_err(|_| silent())?;
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Err(silent())
        }
        // Reset by the peer: it is there, and talking.
        Err(_) => Ok(()),
    }
}

/// What went wrong, classified: service errors by code; failures before an
/// answer as missing credentials, a missing region or an unreachable
/// endpoint, each with what to do, never a `Debug` dump.
pub(crate) fn map_err<E>(e: SdkError<E, cfn::config::http::HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if chain_has::<ResponseTooLarge>(&e) {
        return ApiError::Transport(format!(
            "the endpoint's answer is larger than {} MiB, more than any AWS answer; meshsynth stopped reading it (hint: check --endpoint-url)",
            MAX_RESPONSE_BYTES / (1024 * 1024)
        ));
    }
    match &e {
        SdkError::DispatchFailure(d) => {
            if chain_has::<CredentialsError>(&e) {
                return ApiError::NoCredentials;
            }
            if chain_text(&e).contains("signing region") {
                return ApiError::NoRegion;
            }
            if d.is_io() || d.is_timeout() {
                return ApiError::Unreachable {
                    endpoint: "the AWS endpoint".into(),
                    detail: innermost(&e),
                };
            }
            return ApiError::Transport(format!(
                "the request could not be sent: {}",
                innermost(&e)
            ));
        }
        SdkError::TimeoutError(_) => {
            return ApiError::Unreachable {
                endpoint: "the AWS endpoint".into(),
                detail: "the request timed out".into(),
            }
        }
        _ => {}
    }
    if e.code().is_none() {
        if let Some(status) = e.raw_response().map(|r| r.status().as_u16()) {
            // An answer that is not an AWS error document (a proxy's page, an
            // emulator's crash): its status says enough; its body is not shown.
            return ApiError::Transport(format!(
                "the endpoint answered HTTP {status} without an AWS error (hint: check --endpoint-url, or the emulator's log)"
            ));
        }
    }
    let mut fallback = DisplayErrorContext(&e).to_string();
    // Emulators answer some errors with whole HTML pages; keep the gist.
    if fallback.len() > 400 {
        let mut cut = 400;
        while !fallback.is_char_boundary(cut) {
            cut -= 1;
        }
        fallback.truncate(cut);
        fallback.push('…');
    }
    ApiError::from_code(e.code(), e.message(), fallback)
}

/// Whether some error in `e`'s source chain is a `T`.
fn chain_has<T: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if x.downcast_ref::<T>().is_some() {
            return true;
        }
        cur = x.source();
    }
    false
}

/// Every message of `e`'s source chain, lower-cased, for classification.
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        out.push_str(&x.to_string().to_ascii_lowercase());
        out.push_str(&format!(" {x:?} ").to_ascii_lowercase());
        cur = x.source();
    }
    out
}

/// The innermost message of `e`'s source chain (e.g. `Connection refused (os error 111)`).
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl LookupApi for AwsCloud {
    async fn msk_bootstrap_brokers(
        &self,
        region: &str,
        cluster_arn: &str,
    ) -> Result<MskBrokers, ApiError> {
        let client = aws_sdk_kafka::Client::from_conf(
            aws_sdk_kafka::config::Builder::from(&self.base)
                .interceptor(ResponseLimit)
                .region(Region::new(region.to_string()))
                .build(),
        );
        let out = client
            .get_bootstrap_brokers()
            .cluster_arn(cluster_arn)
            .send()
            .await
            .map_err(map_err)?;
        Ok(MskBrokers {
            sasl_iam: out.bootstrap_broker_string_sasl_iam().map(str::to_string),
            tls: out.bootstrap_broker_string_tls().map(str::to_string),
            sasl_scram: out.bootstrap_broker_string_sasl_scram().map(str::to_string),
            plaintext: out.bootstrap_broker_string().map(str::to_string),
        })
    }
}

impl CfnApi for AwsCloud {
    async fn describe_stack(&self, stack: &StackId) -> Result<Option<StackInfo>, ApiError> {
        let r = self
            .cfn(&stack.region)
            .describe_stacks()
            .stack_name(&stack.name)
            .send()
            .await;
        let out = match r.map_err(map_err) {
            Ok(o) => o,
            Err(ApiError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(s) = out.stacks().first() else {
            return Ok(None);
        };
        Ok(Some(StackInfo {
            stack_id: s.stack_id().unwrap_or(&stack.name).to_string(),
            name: s.stack_name().unwrap_or(&stack.name).to_string(),
            status: s
                .stack_status()
                .map(|x| x.as_str().to_string())
                .unwrap_or_default(),
            status_reason: s.stack_status_reason().map(str::to_string),
            outputs: s
                .outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
                .collect(),
            termination_protection: s.enable_termination_protection().unwrap_or(false),
            tags: s
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect(),
        }))
    }

    async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<String, ApiError> {
        let mut call = self
            .cfn(&req.stack.region)
            .create_change_set()
            .stack_name(&req.stack.name)
            .change_set_name(&req.change_set_name)
            .change_set_type(match req.kind {
                ChangeSetKind::Create => ChangeSetType::Create,
                ChangeSetKind::Update => ChangeSetType::Update,
                ChangeSetKind::Import => ChangeSetType::Import,
            })
            .description("meshsynth deploy");
        call = match &req.template {
            TemplateSource::Body(b) => call.template_body(b),
            TemplateSource::Url(u) => call.template_url(u),
        };
        for (k, v) in &req.parameters {
            call = call.parameters(
                Parameter::builder()
                    .parameter_key(k)
                    .parameter_value(v)
                    .build(),
            );
        }
        for c in &req.capabilities {
            call = call.capabilities(Capability::from(c.as_str()));
        }
        for (k, v) in &req.tags {
            call = call.tags(cfn::types::Tag::builder().key(k).value(v).build());
        }
        for r in &req.resources_to_import {
            call = call.resources_to_import(
                cfn::types::ResourceToImport::builder()
                    .resource_type(&r.resource_type)
                    .logical_resource_id(&r.logical_id)
                    .set_resource_identifier(Some(r.identifier.clone().into_iter().collect()))
                    .build(),
            );
        }
        let out = call.send().await.map_err(map_err)?;
        Ok(out.id().unwrap_or_default().to_string())
    }

    async fn describe_change_set(
        &self,
        stack: &StackId,
        change_set: &str,
    ) -> Result<ChangeSetInfo, ApiError> {
        let client = self.cfn(&stack.region);
        let mut token: Option<String> = None;
        let mut info: Option<ChangeSetInfo> = None;
        loop {
            let out = client
                .describe_change_set()
                .stack_name(&stack.name)
                .change_set_name(change_set)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(map_err)?;
            let i = info.get_or_insert_with(|| ChangeSetInfo {
                id: out.change_set_id().unwrap_or_default().to_string(),
                status: out
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                status_reason: out.status_reason().map(str::to_string),
                execution_status: out.execution_status().map(|s| s.as_str().to_string()),
                changes: Vec::new(),
            });
            for c in out.changes() {
                let Some(rc) = c.resource_change() else {
                    continue;
                };
                i.changes.push(ResourceChange {
                    action: rc
                        .action()
                        .map(|a| a.as_str().to_string())
                        .unwrap_or_default(),
                    logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
                    resource_type: rc.resource_type().unwrap_or_default().to_string(),
                    replacement: rc.replacement().map(|r| r.as_str().to_string()),
                });
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        // Invariant: the loop runs at least once and fills `info`.
        Ok(info.expect("at least one page"))
    }

    async fn execute_change_set(&self, stack: &StackId, change_set: &str) -> Result<(), ApiError> {
        self.cfn(&stack.region)
            .execute_change_set()
            .stack_name(&stack.name)
            .change_set_name(change_set)
            .client_request_token(request_token(change_set))
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_change_set(&self, stack: &StackId, change_set: &str) -> Result<(), ApiError> {
        self.cfn(&stack.region)
            .delete_change_set()
            .stack_name(&stack.name)
            .change_set_name(change_set)
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn stack_events(
        &self,
        stack: &StackId,
        since: Option<&str>,
    ) -> Result<Vec<StackEvent>, ApiError> {
        let client = self.cfn(&stack.region);
        let mut token: Option<String> = None;
        let mut events = Vec::new();
        loop {
            let out = client
                .describe_stack_events()
                .stack_name(&stack.name)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(map_err)?;
            for e in out.stack_events() {
                let id = e.event_id().unwrap_or_default();
                if Some(id) == since {
                    return Ok(events);
                }
                events.push(StackEvent {
                    event_id: id.to_string(),
                    logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
                    resource_type: e.resource_type().unwrap_or_default().to_string(),
                    status: e
                        .resource_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: e.resource_status_reason().map(str::to_string),
                    timestamp: e
                        .timestamp()
                        .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()),
                });
            }
            match out.next_token() {
                Some(t) if since.is_some() && !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(events),
            }
        }
    }

    async fn delete_stack(&self, stack: &StackId) -> Result<(), ApiError> {
        self.cfn(&stack.region)
            .delete_stack()
            .stack_name(&stack.name)
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn cancel_update_stack(&self, stack: &StackId) -> Result<(), ApiError> {
        self.cfn(&stack.region)
            .cancel_update_stack()
            .stack_name(&stack.name)
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn continue_update_rollback(
        &self,
        stack: &StackId,
        skip: &[String],
    ) -> Result<(), ApiError> {
        self.cfn(&stack.region)
            .continue_update_rollback()
            .stack_name(&stack.name)
            .set_resources_to_skip((!skip.is_empty()).then(|| skip.to_vec()))
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get_template(&self, stack: &StackId) -> Result<String, ApiError> {
        let out = self
            .cfn(&stack.region)
            .get_template()
            .stack_name(&stack.name)
            .template_stage(TemplateStage::Original)
            .send()
            .await
            .map_err(map_err)?;
        Ok(out.template_body().unwrap_or_default().to_string())
    }

    async fn update_termination_protection(
        &self,
        stack: &StackId,
        enabled: bool,
    ) -> Result<(), ApiError> {
        self.cfn(&stack.region)
            .update_termination_protection()
            .stack_name(&stack.name)
            .enable_termination_protection(enabled)
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn physical_resource_id(
        &self,
        stack: &StackId,
        logical_id: &str,
    ) -> Result<Option<String>, ApiError> {
        let r = self
            .cfn(&stack.region)
            .describe_stack_resource()
            .stack_name(&stack.name)
            .logical_resource_id(logical_id)
            .send()
            .await
            .map_err(map_err);
        match r {
            Ok(out) => Ok(out
                .stack_resource_detail()
                .and_then(|d| d.physical_resource_id())
                .map(str::to_string)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn list_stack_resources(
        &self,
        stack: &StackId,
    ) -> Result<Vec<crate::deploy::api::StackResource>, ApiError> {
        let client = self.cfn(&stack.region);
        let mut token: Option<String> = None;
        let mut out = Vec::new();
        loop {
            let page = client
                .list_stack_resources()
                .stack_name(&stack.name)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(map_err)?;
            for r in page.stack_resource_summaries() {
                out.push(crate::deploy::api::StackResource {
                    logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                    resource_type: r.resource_type().unwrap_or_default().to_string(),
                    status: r
                        .resource_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    physical_id: r.physical_resource_id().map(str::to_string),
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && out.len() < 100_000 => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn create_stack_refactor(
        &self,
        region: &str,
        req: &crate::deploy::api::StackRefactorRequest,
    ) -> Result<String, ApiError> {
        super::aws_refactor::create(self, region, req).await
    }

    async fn describe_stack_refactor(
        &self,
        region: &str,
        id: &str,
    ) -> Result<crate::deploy::api::StackRefactorInfo, ApiError> {
        super::aws_refactor::describe(self, region, id).await
    }

    async fn execute_stack_refactor(&self, region: &str, id: &str) -> Result<(), ApiError> {
        super::aws_refactor::execute(self, region, id).await
    }
}

impl ObjectStore for AwsCloud {
    async fn put_object(
        &self,
        region: &str,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
    ) -> Result<(), ApiError> {
        self.clients(region)
            .1
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/json")
            .body(s3::primitives::ByteStream::from(body))
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
