use super::*;

#[test]
fn region_names() {
    for ok in [
        "ap-northeast-1",
        "us-west-2",
        "us-gov-west-1",
        "eu-central-2",
    ] {
        assert!(is_region_name(ok), "{ok}");
    }
    for bad in [
        "",
        "tokyo",
        "ap-northeast",
        "AP-northeast-1",
        "ap-northeast-x",
        "a-b-1",
    ] {
        assert!(!is_region_name(bad), "{bad}");
    }
}
