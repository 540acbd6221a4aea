//! The load balancer's ARN, and the URL of its public keys: from the configured ARN only.

use crate::Error;

/// Longest URL [`alb_key_url`] writes (the GovCloud form, the longest region name, a UUID).
pub const ALB_KEY_URL_MAX: usize = 160;

/// An ALB's ARN, `arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/app/…`,
/// read for the host of its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlbArn<'a> {
    partition: Partition,
    region: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Partition {
    Aws,
    UsGov,
    China,
}

impl<'a> AlbArn<'a> {
    /// Reads `arn`.
    ///
    /// # Errors
    /// `invalid_configuration` for anything but an Application Load Balancer's ARN in the `aws`,
    /// `aws-us-gov` or `aws-cn` partition with a region of lower-case letters, digits and `-`.
    pub fn parse(arn: &'a str) -> Result<Self, Error> {
        let mut parts = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some("elasticloadbalancing"),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(Error::InvalidConfiguration);
        };
        let partition = match partition {
            "aws" => Partition::Aws,
            "aws-us-gov" => Partition::UsGov,
            "aws-cn" => Partition::China,
            _ => return Err(Error::InvalidConfiguration),
        };
        let region_ok = !region.is_empty()
            && region.len() <= 32
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        if !region_ok || !account_ok || !resource.starts_with("loadbalancer/app/") {
            return Err(Error::InvalidConfiguration);
        }
        Ok(AlbArn { partition, region })
    }

    /// The region the ARN names.
    #[must_use]
    pub fn region(&self) -> &'a str {
        self.region
    }
}

/// Writes into `out` the URL of the public key `kid` of the load balancer `arn` (a configured
/// ARN, never one read from a token), and returns it:
/// - `aws`: `https://public-keys.auth.elb.{region}.amazonaws.com/{kid}`
/// - `aws-us-gov`: `https://s3-{region}.amazonaws.com/aws-elb-public-keys-prod-{region}/{kid}`
/// - `aws-cn`: `https://public-keys.auth.elb.{region}.amazonaws.com.cn/{kid}`
///
/// # Errors
/// `malformed_token` when `kid` is not a UUID (so nothing else ever reaches a URL),
/// `token_too_large` when `out` is shorter than the URL ([`ALB_KEY_URL_MAX`] always suffices).
pub fn alb_key_url<'o>(arn: &AlbArn<'_>, kid: &str, out: &'o mut [u8]) -> Result<&'o str, Error> {
    if !super::is_uuid(kid) {
        return Err(Error::MalformedToken);
    }
    let r = arn.region;
    let parts: [&str; 5] = match arn.partition {
        Partition::Aws => [
            "https://public-keys.auth.elb.",
            r,
            ".amazonaws.com/",
            kid,
            "",
        ],
        Partition::China => [
            "https://public-keys.auth.elb.",
            r,
            ".amazonaws.com.cn/",
            kid,
            "",
        ],
        Partition::UsGov => [
            "https://s3-",
            r,
            ".amazonaws.com/aws-elb-public-keys-prod-",
            r,
            "",
        ],
    };
    let gov_tail: [&str; 2] = match arn.partition {
        Partition::UsGov => ["/", kid],
        _ => ["", ""],
    };
    let mut at = 0usize;
    for part in parts.iter().chain(gov_tail.iter()) {
        let end = at.checked_add(part.len()).ok_or(Error::TokenTooLarge)?;
        out.get_mut(at..end)
            .ok_or(Error::TokenTooLarge)?
            .copy_from_slice(part.as_bytes());
        at = end;
    }
    let url = out.get(..at).unwrap_or_default();
    core::str::from_utf8(url).map_err(|_| Error::MalformedToken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    const KID: &str = "0b9e6bb4-8c1a-4a3e-9d57-1f1e2d3c4b5a";

    fn url(arn: &str, kid: &str) -> Result<std::string::String, Error> {
        let mut out = [0u8; ALB_KEY_URL_MAX];
        alb_key_url(&AlbArn::parse(arn)?, kid, &mut out).map(std::string::String::from)
    }

    #[test]
    fn urls_come_from_the_configured_partition_and_region() {
        let app = ":123456789012:loadbalancer/app/web/50dc6c495c0c9188";
        assert_eq!(
            url(&format!("arn:aws:elasticloadbalancing:eu-west-1{app}"), KID).unwrap(),
            format!("https://public-keys.auth.elb.eu-west-1.amazonaws.com/{KID}")
        );
        assert_eq!(
            url(&format!("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1{app}"), KID).unwrap(),
            format!("https://s3-us-gov-west-1.amazonaws.com/aws-elb-public-keys-prod-us-gov-west-1/{KID}")
        );
        assert_eq!(
            url(
                &format!("arn:aws-cn:elasticloadbalancing:cn-north-1{app}"),
                KID
            )
            .unwrap(),
            format!("https://public-keys.auth.elb.cn-north-1.amazonaws.com.cn/{KID}")
        );
        for kid in [
            "",
            "../",
            "%2f",
            "0b9e6bb4-8c1a-4a3e-9d57-1f1e2d3c4b5a/..",
            "0b9e6bb4x8c1a-4a3e-9d57-1f1e2d3c4b5a",
        ] {
            assert_eq!(
                url(&format!("arn:aws:elasticloadbalancing:eu-west-1{app}"), kid),
                Err(Error::MalformedToken),
                "{kid}"
            );
        }
        for arn in [
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1",
            "arn:aws-iso:elasticloadbalancing:us-iso-east-1:123456789012:loadbalancer/app/x/1",
            "arn:aws:elasticloadbalancing:evil.com/x:123456789012:loadbalancer/app/x/1",
            "arn:aws:elasticloadbalancing:eu-west-1:1234:loadbalancer/app/x/1",
            "arn:aws:s3:eu-west-1:123456789012:loadbalancer/app/x/1",
        ] {
            assert_eq!(
                AlbArn::parse(arn),
                Err(Error::InvalidConfiguration),
                "{arn}"
            );
        }
        // The longest: a GovCloud URL with a 32-byte region fits ALB_KEY_URL_MAX.
        let long = format!(
            "arn:aws-us-gov:elasticloadbalancing:{}{app}",
            "a".repeat(32)
        );
        assert!(url(&long, KID).unwrap().len() <= ALB_KEY_URL_MAX);
    }
}
