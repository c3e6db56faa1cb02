//! The fake's other services: MSK's broker lookup and S3's PutObject.

use super::*;

impl LookupApi for FakeCfn {
    async fn msk_bootstrap_brokers(
        &self,
        region: &str,
        cluster_arn: &str,
    ) -> Result<MskBrokers, ApiError> {
        let mut st = self.state.borrow_mut();
        st.calls
            .push(format!("GetBootstrapBrokers {region} {cluster_arn}"));
        if let Some(b) = st.msk_brokers.get(cluster_arn) {
            return Ok(b.clone());
        }
        let host = cluster_arn.rsplit(['/', '-']).next().unwrap_or("kafka");
        Ok(MskBrokers {
            sasl_iam: Some(
                (1..=3)
                    .map(|i| format!("b-{i}.{host}.kafka.{region}.amazonaws.com:9098"))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ..Default::default()
        })
    }
}

impl ObjectStore for FakeCfn {
    async fn put_object(
        &self,
        region: &str,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
    ) -> Result<(), ApiError> {
        let mut s = self.state.borrow_mut();
        s.calls.push(format!("PutObject {bucket}/{key}"));
        s.uploads
            .push((region.into(), bucket.into(), key.into(), body.len()));
        let url = crate::deploy::bootstrap::template_url(region, bucket, key);
        s.objects
            .insert(url, String::from_utf8_lossy(&body).into_owned());
        Ok(())
    }
}
