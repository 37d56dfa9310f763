use super::*;

fn run(src: &str) -> Record {
    let mut r = Record::new("t.txt");
    parse(src, &mut r);
    r
}

#[test]
fn empty_input_warns() {
    let r = run("\n\n");
    assert!(r.warnings.iter().any(|w| w.contains("empty")));
}
