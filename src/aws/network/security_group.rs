//! The `SecurityGroup` L2 construct: typed ports, a description on every rule,
//! group-to-group grants, and world access only by explicit opt-in.

use ipnet::IpNet;

use super::cfn::security_group::Egress;
use super::cfn::{CfnSecurityGroup, CfnSecurityGroupIngress};
use crate::core::{Error, NodeId, ResourceRef, Scope, Value};

/// An IP protocol and port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    /// `tcp`, `udp`, `icmp` or `-1` (all).
    pub protocol: &'static str,
    /// First port (or ICMP type); -1 for all.
    pub from: i64,
    /// Last port (or ICMP code); -1 for all.
    pub to: i64,
}

impl Port {
    /// One TCP port.
    pub fn tcp(port: u16) -> Port {
        Port {
            protocol: "tcp",
            from: port.into(),
            to: port.into(),
        }
    }
    /// A TCP port range, inclusive.
    pub fn tcp_range(from: u16, to: u16) -> Port {
        Port {
            protocol: "tcp",
            from: from.into(),
            to: to.into(),
        }
    }
    /// One UDP port.
    pub fn udp(port: u16) -> Port {
        Port {
            protocol: "udp",
            from: port.into(),
            to: port.into(),
        }
    }
    /// Every protocol and port.
    pub fn all_traffic() -> Port {
        Port {
            protocol: "-1",
            from: -1,
            to: -1,
        }
    }

    /// A short id for construct ids, e.g. `Tcp5432`.
    fn id(&self) -> String {
        match (self.protocol, self.from == self.to) {
            ("-1", _) => "All".into(),
            (p, true) => format!("{}{}", capitalize(p), self.from),
            (p, false) => format!("{}{}To{}", capitalize(p), self.from, self.to),
        }
    }

    /// `FromPort`/`ToPort`: none for all traffic (`-1`).
    fn ports(&self) -> (Option<Value>, Option<Value>) {
        if self.protocol == "-1" {
            (None, None)
        } else {
            (Some(self.from.into()), Some(self.to.into()))
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Why a rule may be open to the whole internet; the only accepted reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorldIngress {
    /// The group belongs to an internet-facing load balancer (ports 80/443).
    InternetFacingLoadBalancer,
}

/// Props of a `SecurityGroup`.
#[derive(Debug, Clone)]
pub struct SecurityGroupProps {
    /// The VPC. Required (no default).
    pub vpc_id: Value,
    /// What the group is for, shown in the console and in reviews. Required (no default).
    pub description: String,
    /// Allow all outbound traffic. Default: true (as CDK); when false no
    /// egress is allowed until `egress` rules are given.
    pub allow_all_outbound: bool,
}

/// A security group.
#[derive(Debug, Clone, Copy)]
pub struct SecurityGroup {
    /// The L1 group.
    pub resource: ResourceRef<CfnSecurityGroup>,
    node: NodeId,
}

impl SecurityGroup {
    /// Adds a security group.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: SecurityGroupProps,
    ) -> Result<SecurityGroup, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        if props.description.trim().is_empty() {
            return Err(Error::construct(
                path,
                "a security group needs a description",
                "say what the group protects, e.g. \"order database\"",
            ));
        }
        let egress = if props.allow_all_outbound {
            Egress {
                cidr_ip: Some("0.0.0.0/0".into()),
                description: Some("all outbound traffic".into()),
                ..Egress::new(Port::all_traffic().protocol)
            }
        } else {
            // CloudFormation adds allow-all egress to a group without rules;
            // a rule matching nothing keeps the group closed (as CDK does).
            Egress {
                from_port: Some(252i64.into()),
                to_port: Some(86i64.into()),
                cidr_ip: Some("255.255.255.255/32".into()),
                description: Some("no outbound traffic".into()),
                ..Egress::new("icmp")
            }
        };
        let mut s = scope.child(id)?;
        let node = s.id();
        let resource = s.add_resource(
            "Resource",
            CfnSecurityGroup {
                vpc_id: Some(props.vpc_id),
                security_group_egress: Some(vec![egress]),
                ..CfnSecurityGroup::new(props.description)
            },
        )?;
        Ok(SecurityGroup { resource, node })
    }

    /// The group id.
    pub fn group_id(&self) -> Value {
        self.resource.group_id()
    }

    /// Allows `port` from members of `peer` (another group, or this one).
    /// When the two groups are in different stacks and `scope` is in one of
    /// them, the rule may live in either stack: synth puts it in the one
    /// that already depends on the other, so no dependency cycle arises
    /// whatever the call site or the order the stacks were made in
    /// (docs/aws.md, "Where a rule lands").
    pub fn allow_from(
        &self,
        scope: &mut Scope<'_>,
        peer: &SecurityGroup,
        port: Port,
        description: &str,
    ) -> Result<(), Error> {
        let peer_path = scope.app().path_of(peer.node).unwrap_or_default();
        // The peer's own id reads well in the rule's id and logical ID.
        let peer_id = peer_path.rsplit('/').next().unwrap_or_default().to_string();
        let mut rule = self.ingress(port, description);
        rule.source_security_group_id = Some(peer.group_id());
        let id = format!("From{peer_id}{}", port.id());
        // Across stacks the rule may sit in either stack: synth chooses
        // from the whole dependency graph. Its first place (and logical ID,
        // when that place is kept) is the stack made later, as before.
        let app = scope.app();
        let (own, theirs, here) = (
            stack_of(app, self.node),
            stack_of(app, peer.node),
            stack_of(app, scope.id()),
        );
        if let (Some(own), Some(theirs)) = (own, theirs) {
            if own != theirs && (here == Some(own) || here == Some(theirs)) {
                // In each stack the rule sits where it always has: under
                // `scope` when that is in the stack, else under the group
                // of that stack (so logical ids do not move).
                let at = |stack: u32, group: NodeId| {
                    if here == Some(stack) {
                        scope.id()
                    } else {
                        group
                    }
                };
                let (first, other) = if own.max(theirs) == own {
                    (at(own, self.node), at(theirs, peer.node))
                } else {
                    (at(theirs, peer.node), at(own, self.node))
                };
                check_description(scope, &id, &rule)?;
                let (parent, first_id) = self.rule_place(scope, first, &id)?;
                let (alt_parent, alt_id) = self.rule_place(scope, other, &id)?;
                scope
                    .at(parent)?
                    .add_resource_either(&first_id, rule, alt_parent, &alt_id)?;
                return Ok(());
            }
        }
        self.add_ingress(scope, &id, rule).map(|_| ())
    }

    /// Allows `port` from a group known only by its id (e.g. the security
    /// group EKS creates for a cluster); `peer_name` names the rule.
    pub fn allow_from_group_id(
        &self,
        scope: &mut Scope<'_>,
        peer_name: &str,
        group_id: Value,
        port: Port,
        description: &str,
    ) -> Result<(), Error> {
        let mut rule = self.ingress(port, description);
        rule.source_security_group_id = Some(group_id);
        self.add_ingress(scope, &format!("From{peer_name}{}", port.id()), rule)
            .map(|_| ())
    }

    /// Allows `port` from an IPv4 or IPv6 CIDR. The whole internet is
    /// refused here: use `allow_from_anywhere`.
    pub fn allow_from_cidr(
        &self,
        scope: &mut Scope<'_>,
        cidr: &str,
        port: Port,
        description: &str,
    ) -> Result<(), Error> {
        let path = scope
            .app()
            .path_of(self.node)
            .unwrap_or_default()
            .to_string();
        let net: IpNet = cidr.parse().map_err(|_| {
            Error::construct(
                path.clone(),
                format!("ingress CIDR {cidr:?} is not a CIDR"),
                "write e.g. 10.0.0.0/16",
            )
        })?;
        if net.prefix_len() == 0 {
            return Err(Error::construct(
                path,
                format!("ingress from {cidr} opens {} to the whole internet", port.id()),
                "only an internet-facing load balancer may be opened to the world: use allow_from_anywhere(…, WorldIngress::InternetFacingLoadBalancer) on 80/443",
            ));
        }
        if net.trunc() != net {
            return Err(Error::construct(
                path,
                format!("ingress CIDR {cidr} has host bits set"),
                format!("did you mean {}?", net.trunc()),
            ));
        }
        let mut rule = self.ingress(port, description);
        match net {
            IpNet::V4(_) => rule.cidr_ip = Some(cidr.into()),
            IpNet::V6(_) => rule.cidr_ipv6 = Some(cidr.into()),
        }
        let id = cidr.replace('/', "-");
        self.add_ingress(scope, &format!("From{id}{}", port.id()), rule)
            .map(|_| ())
    }

    /// Opens `port` (80 or 443 only) to 0.0.0.0/0 and ::/0, for an
    /// internet-facing load balancer. The exception is recorded in the
    /// rules' Metadata (`AwsSolutions-EC23` suppressed with the reason).
    pub fn allow_from_anywhere(
        &self,
        scope: &mut Scope<'_>,
        port: Port,
        description: &str,
        why: WorldIngress,
    ) -> Result<(), Error> {
        let path = scope
            .app()
            .path_of(self.node)
            .unwrap_or_default()
            .to_string();
        let WorldIngress::InternetFacingLoadBalancer = why;
        if port.protocol != "tcp" || port.from != port.to || ![80, 443].contains(&port.from) {
            return Err(Error::construct(
                path,
                format!("world ingress on {} is not allowed", port.id()),
                "an internet-facing load balancer may be opened on tcp/80 and tcp/443 only",
            ));
        }
        for (cidr, v6) in [("0.0.0.0/0", false), ("::/0", true)] {
            let mut rule = self.ingress(port, description);
            if v6 {
                rule.cidr_ipv6 = Some(cidr.into());
            } else {
                rule.cidr_ip = Some(cidr.into());
            }
            let id = format!("FromAnywhere{}{}", if v6 { "Ipv6" } else { "" }, port.id());
            let node = self.add_ingress(scope, &id, rule)?;
            let mut rule_scope = scope.at(node)?;
            let reason = "internet-facing load balancer: world ingress on 80/443 is its purpose";
            rule_scope.suppress(crate::aws::security::codes::AWS_SOLUTIONS_EC23, reason)?;
            if port.from == 80 {
                rule_scope.suppress(
                    "CKV_AWS_260",
                    "internet-facing load balancer: port 80 only redirects to 443",
                )?;
            }
        }
        Ok(())
    }

    fn ingress(&self, port: Port, description: &str) -> CfnSecurityGroupIngress {
        let (from_port, to_port) = port.ports();
        CfnSecurityGroupIngress {
            group_id: Some(self.group_id()),
            from_port,
            to_port,
            description: Some(description.into()),
            ..CfnSecurityGroupIngress::new(port.protocol)
        }
    }

    /// Adds the rule where the caller's `scope` says. In the group's own
    /// stack the rule sits under the group (`<group>/<id>`); in another stack
    /// it sits under `scope` (`<scope>/<group id><id>`) and references the
    /// group across stacks, so the stack that *uses* the group holds the
    /// rule and depends on the group's stack, never the other way round
    /// (CDK places cross-stack rules on the dependent side the same way).
    fn add_ingress(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        rule: CfnSecurityGroupIngress,
    ) -> Result<NodeId, Error> {
        if stack_of(scope.app(), scope.id()).is_none() {
            return Err(Error::construct(
                scope.child_path(id),
                "a security group rule belongs to a stack, and this scope is in none",
                "pass a scope inside a stack: the group's own stack, or the stack of the peer that connects",
            ));
        }
        check_description(scope, id, &rule)?;
        let (parent, id) = self.rule_place(scope, scope.id(), id)?;
        Ok(scope.at(parent)?.add_resource(&id, rule)?.node())
    }

    /// Where a rule of this group sits when it lives in the stack of
    /// `node`: under the group in the group's own stack; in another stack
    /// under `node`, its id prefixed with the group's (the qualified one when
    /// two groups of one id admit one peer on one port).
    fn rule_place(
        &self,
        scope: &mut Scope<'_>,
        node: NodeId,
        id: &str,
    ) -> Result<(NodeId, String), Error> {
        let app = scope.app();
        let own_stack = stack_of(app, self.node);
        let scope_stack = stack_of(app, node);
        let group_id = app
            .path_of(self.node)
            .and_then(|p| p.rsplit('/').next())
            .unwrap_or_default()
            .to_string();
        // The group's path below its stack, for an id no other group's
        // rule takes (`OrdersSecurityGroup`, `PaymentsSecurityGroup`).
        let qualified = {
            let path = app.path_of(self.node).unwrap_or_default();
            let stack_path = own_stack
                .map(|s| app.node(s).path.to_string())
                .unwrap_or_default();
            path.strip_prefix(&stack_path)
                .unwrap_or(path)
                .split('/')
                .filter(|c| !c.is_empty())
                .collect::<String>()
        };
        if scope_stack == own_stack {
            return Ok((self.node, id.to_string()));
        }
        let at = scope.at(node)?;
        // The short id reads well and is kept when free; two groups of
        // the same id (each database's `SecurityGroup`) admitting one
        // peer on one port get their qualified ids instead.
        let short = format!("{group_id}{id}");
        let id = if at.find_child(&short).is_some() {
            format!("{qualified}{id}")
        } else {
            short
        };
        Ok((node, id))
    }
}

/// Every rule needs a description (`AwsSolutions-EC27`): refused here,
/// naming the rule.
fn check_description(
    scope: &Scope<'_>,
    id: &str,
    rule: &CfnSecurityGroupIngress,
) -> Result<(), Error> {
    let blank = rule
        .description
        .as_ref()
        .is_none_or(|d| d.as_literal().is_some_and(|d| d.trim().is_empty()));
    if blank {
        return Err(Error::construct(
            scope.child_path(id),
            "every security group rule needs a description",
            "say who connects and why",
        ));
    }
    Ok(())
}

/// The stack a node is in (its index in the tree), if any.
fn stack_of(app: &crate::core::App, node: NodeId) -> Option<u32> {
    app.index_of(node).and_then(|i| app.node(i).stack)
}
