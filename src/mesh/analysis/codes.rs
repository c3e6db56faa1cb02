//! The analyzers' codes, one constant each: a check names its constant,
//! so a code outside the catalog cannot be written. The catalog
//! ([`super::catalog::ANALYZERS`]) lists the same constants.

/// `IST0101`.
pub const IST0101: &str = "IST0101";
/// `IST0102`.
pub const IST0102: &str = "IST0102";
/// `IST0103`.
pub const IST0103: &str = "IST0103";
/// `IST0106`.
pub const IST0106: &str = "IST0106";
/// `IST0107`.
pub const IST0107: &str = "IST0107";
/// `IST0108`.
pub const IST0108: &str = "IST0108";
/// `IST0109`.
pub const IST0109: &str = "IST0109";
/// `IST0110`.
pub const IST0110: &str = "IST0110";
/// `IST0111`.
pub const IST0111: &str = "IST0111";
/// `IST0112`.
pub const IST0112: &str = "IST0112";
/// `IST0116`.
pub const IST0116: &str = "IST0116";
/// `IST0117`.
pub const IST0117: &str = "IST0117";
/// `IST0118`.
pub const IST0118: &str = "IST0118";
/// `IST0122`.
pub const IST0122: &str = "IST0122";
/// `IST0123`.
pub const IST0123: &str = "IST0123";
/// `IST0125`.
pub const IST0125: &str = "IST0125";
/// `IST0127`.
pub const IST0127: &str = "IST0127";
/// `IST0128`.
pub const IST0128: &str = "IST0128";
/// `IST0129`.
pub const IST0129: &str = "IST0129";
/// `IST0130`.
pub const IST0130: &str = "IST0130";
/// `IST0131`.
pub const IST0131: &str = "IST0131";
/// `IST0132`.
pub const IST0132: &str = "IST0132";
/// `IST0134`.
pub const IST0134: &str = "IST0134";
/// `IST0135`.
pub const IST0135: &str = "IST0135";
/// `IST0137`.
pub const IST0137: &str = "IST0137";
/// `IST0138`.
pub const IST0138: &str = "IST0138";
/// `IST0140`.
pub const IST0140: &str = "IST0140";
/// `IST0144`: defined where its check lives.
pub use crate::k8s::workloads::PROXY_UID_CODE as IST0144;
/// `IST0145`.
pub const IST0145: &str = "IST0145";
/// `IST0146`.
pub const IST0146: &str = "IST0146";
/// `IST0147`.
pub const IST0147: &str = "IST0147";
/// `IST0149`.
pub const IST0149: &str = "IST0149";
/// `IST0150`.
pub const IST0150: &str = "IST0150";
/// `IST0151`.
pub const IST0151: &str = "IST0151";
/// `IST0152`.
pub const IST0152: &str = "IST0152";
/// `IST0153`.
pub const IST0153: &str = "IST0153";
/// `IST0154`.
pub const IST0154: &str = "IST0154";
/// `IST0155`.
pub const IST0155: &str = "IST0155";
/// `IST0159`.
pub const IST0159: &str = "IST0159";
/// `IST0160`.
pub const IST0160: &str = "IST0160";
/// `IST0162`.
pub const IST0162: &str = "IST0162";
/// `IST0165`.
pub const IST0165: &str = "IST0165";
/// `IST0166`.
pub const IST0166: &str = "IST0166";
/// `IST0167`.
pub const IST0167: &str = "IST0167";
/// `IST0173`.
pub const IST0173: &str = "IST0173";
/// `IST0174`.
pub const IST0174: &str = "IST0174";
/// `IST0177`.
pub const IST0177: &str = "IST0177";
/// `IST0002`.
pub const IST0002: &str = "IST0002";
/// `IST0139`.
pub const IST0139: &str = "IST0139";
/// `IST0148`.
pub const IST0148: &str = "IST0148";
/// `IST0157`.
pub const IST0157: &str = "IST0157";
/// `IST0158`.
pub const IST0158: &str = "IST0158";
/// `IST0161`.
pub const IST0161: &str = "IST0161";
/// `IST0163`.
pub const IST0163: &str = "IST0163";
/// `IST0164`.
pub const IST0164: &str = "IST0164";
/// `IST0171`.
pub const IST0171: &str = "IST0171";
/// `IST0175`.
pub const IST0175: &str = "IST0175";
/// `IST0176`.
pub const IST0176: &str = "IST0176";
/// `MS-CRD-2`: defined where its check lives.
pub use crate::k8s::crd::codes::DEPRECATED as MS_CRD_2;
/// `MS-CRD-1`: defined where its check lives.
pub use crate::k8s::crd::codes::SCHEMA as MS_CRD_1;
/// `MS-GW-1`.
pub const MS_GW_1: &str = "MS-GW-1";
/// `MS-GW-2`.
pub const MS_GW_2: &str = "MS-GW-2";
/// `MS-GW-3`.
pub const MS_GW_3: &str = "MS-GW-3";
/// `MS-GW-4`.
pub const MS_GW_4: &str = "MS-GW-4";
/// `MS-GW-5`.
pub const MS_GW_5: &str = "MS-GW-5";
/// `MS-GW-6`.
pub const MS_GW_6: &str = "MS-GW-6";
/// `MS-GW-7`.
pub const MS_GW_7: &str = "MS-GW-7";
/// `MS-GW-8`.
pub const MS_GW_8: &str = "MS-GW-8";
/// `MS-GW-9`.
pub const MS_GW_9: &str = "MS-GW-9";
/// `MS-MESH-1`.
pub const MS_MESH_1: &str = "MS-MESH-1";
/// `MS-MESH-2`.
pub const MS_MESH_2: &str = "MS-MESH-2";
/// `MS-MESH-3`.
pub const MS_MESH_3: &str = "MS-MESH-3";
/// `MS-MESH-4`.
pub const MS_MESH_4: &str = "MS-MESH-4";
/// `MS-MESH-5`.
pub const MS_MESH_5: &str = "MS-MESH-5";
/// `MS-MESH-6`.
pub const MS_MESH_6: &str = "MS-MESH-6";
/// `MS-MESH-7`: defined where its check lives.
pub use crate::k8s::NAMESPACE_MISSING as MS_MESH_7;
/// `MS-MESH-8`.
pub const MS_MESH_8: &str = "MS-MESH-8";
/// `MS-MESH-9`: a Sidecar in an ambient namespace, now reported as
/// istioctl's `IST0167` (suppressions naming the old code still match).
#[deprecated(since = "0.3.0", note = "renamed IST0167 (codes::IST0167)")]
pub const MS_MESH_9: &str = "MS-MESH-9";
/// `MS-MESH-10`.
pub const MS_MESH_10: &str = "MS-MESH-10";
/// `MS-MESH-11`.
pub const MS_MESH_11: &str = "MS-MESH-11";
/// `MS-MESH-12`.
pub const MS_MESH_12: &str = "MS-MESH-12";
/// `MS-K8S-3`: defined where its check lives.
pub use crate::k8s::api_rules::API_SERVER_REFUSES as MS_K8S_3;
/// `MS-K8S-1`: defined where its check lives.
pub use crate::k8s::controllers::AUTOSCALER_CONFLICT as MS_K8S_1;
/// `MS-K8S-2`: defined where its check lives.
pub use crate::k8s::controllers::BUDGET_OVERLAP as MS_K8S_2;
/// `MS-ALB-1`: an HTTPS listener of an ALB Ingress that accepts TLS older than 1.2.
pub const MS_ALB_1: &str = "MS-ALB-1";
