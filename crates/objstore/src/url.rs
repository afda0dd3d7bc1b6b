//! `s3://bucket/prefix` → a [`Bucket`], configured from the environment.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::{BackoffConfig, ClientOptions, RetryConfig};

use crate::Bucket;

/// Why a storage URL could not be opened; the message says what to set.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(String);

/// Whether `s` is an object-storage URL this crate opens (`s3://…`).
pub fn is_object_url(s: &str) -> bool {
    s.starts_with("s3://")
}

/// Opens `s3://BUCKET[/PREFIX]`: the bucket's log and photos under PREFIX.
///
/// Configured like the AWS tools, from the environment
/// ([`AmazonS3Builder::from_env`]): `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), `AWS_REGION` (default
/// `us-east-1`), and for S3-compatible servers `AWS_ENDPOINT_URL` (e.g.
/// `http://127.0.0.1:9000` for MinIO or moto) with `AWS_ALLOW_HTTP=true` for a
/// plain-HTTP endpoint. Requests are retried a few times and give up after 30 s.
pub fn parse_url(url: &str) -> Result<Bucket, OpenError> {
    let Some(rest) = url.strip_prefix("s3://") else {
        return Err(OpenError(format!("{url:?} is not an object-storage URL: expected s3://BUCKET/PREFIX")));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(OpenError(format!("{url:?} names no bucket: expected s3://BUCKET/PREFIX")));
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let has_keys = env("AWS_ACCESS_KEY_ID").is_some() && env("AWS_SECRET_ACCESS_KEY").is_some();
    let has_other =
        ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"]
            .iter()
            .any(|k| env(k).is_some());
    if !has_keys && !has_other {
        return Err(OpenError(format!(
            "no credentials for {url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION; for MinIO, \
             moto or another S3-compatible server also AWS_ENDPOINT_URL=http://HOST:PORT and AWS_ALLOW_HTTP=true)"
        )));
    }
    if let Some(endpoint) = env("AWS_ENDPOINT_URL") {
        if endpoint.starts_with("http://") && env("AWS_ALLOW_HTTP").as_deref() != Some("true") {
            return Err(OpenError(format!(
                "AWS_ENDPOINT_URL={endpoint} is plain HTTP: set AWS_ALLOW_HTTP=true to allow it (loopback and \
                 test servers only)"
            )));
        }
    }
    let retry =
        RetryConfig { backoff: BackoffConfig::default(), max_retries: 3, retry_timeout: Duration::from_secs(30) };
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket).with_retry(retry).with_client_options(
        ClientOptions::new()
            .with_timeout(Duration::from_secs(30))
            .with_allow_http(env("AWS_ALLOW_HTTP").as_deref() == Some("true")),
    );
    if env("AWS_ENDPOINT_URL").is_some() {
        // S3-compatible servers on one host name serve buckets as paths.
        builder = builder.with_virtual_hosted_style_request(false);
    }
    let store = builder.build().map_err(|e| {
        OpenError(format!("cannot open {url}: {e} (check AWS_REGION, AWS_ENDPOINT_URL and the credentials)"))
    })?;
    Bucket::new(Arc::new(store), prefix, url).map_err(|e| OpenError(format!("cannot open {url}: {e}")))
}
