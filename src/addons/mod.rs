//! Cluster add-ons of an EKS platform (construct layer): what runs in the
//! cluster on behalf of AWS services rather than of the mesh. Ingress
//! through the AWS Load Balancer Controller (an ALB Ingress, or a Service
//! the controller turns into an NLB) and Fluent Bit shipping container logs
//! to CloudWatch Logs.
//!
//! A family above `mesh`: its constructs add objects through
//! [`crate::mesh::add_object`] (so the mesh analyzers see them) and use
//! the mesh's documented handles (`MeshNamespace`, `ServiceIdentity`);
//! nothing below imports it.

pub mod fluentbit;
pub mod ingress;
