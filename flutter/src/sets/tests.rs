use super::expr::ExprError;
use super::*;

/// Every series of a set whose strings are `strings`, rendered and joined with `|`.
fn expand(strings: &[&str]) -> Vec<String> {
    let set = SeriesSet::of(strings.iter().copied());
    (0..set.count())
        .map(|p| {
            (0..strings.len())
                .map(|t| {
                    let mut out = String::new();
                    match set.render(t, p, &mut out) {
                        Some(()) => out,
                        None => strings[t].to_owned(),
                    }
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn problem(strings: &[&str]) -> (usize, usize, String) {
    let templates: Result<Vec<Template>, ExprError> = strings.iter().map(|s| Template::parse(s)).collect();
    match templates {
        Err(e) => (usize::MAX, e.offset, e.message),
        Ok(t) => {
            let p = SeriesSet::resolve(&t).expect_err("a problem").remove(0);
            (p.template, p.offset, p.message)
        }
    }
}

#[test]
fn expressions_expand_to_their_values() {
    let table: &[(&str, &[&str])] = &[
        ("{0..3}", &["0", "1", "2", "3"]),
        ("{00..03}", &["00", "01", "02", "03"]),
        ("{8..010}", &["008", "009", "010"]),
        ("{-2..1}", &["-2", "-1", "0", "1"]),
        ("{-02..01}", &["-02", "-01", "000", "001"]),
        ("{3..0}", &["3", "2", "1", "0"]),
        ("{0..10..5}", &["0", "5", "10"]),
        ("{10..0..4}", &["10", "6", "2"]),
        ("{0..9..20}", &["0"]),
        ("{7..7}", &["7"]),
        ("{GET,POST,PUT}", &["GET", "POST", "PUT"]),
        ("app{,-canary}", &["app", "app-canary"]),
        ("{a..b,c}", &["a..b", "c"]),
        (
            "pod-{p=00..11}/{p/10}/{p%4}/{p/5:02}/{p:03}/{p}",
            &[
                "pod-00/0/0/00/000/00",
                "pod-01/0/1/00/001/01",
                "pod-02/0/2/00/002/02",
                "pod-03/0/3/00/003/03",
                "pod-04/0/0/00/004/04",
                "pod-05/0/1/01/005/05",
                "pod-06/0/2/01/006/06",
                "pod-07/0/3/01/007/07",
                "pod-08/0/0/01/008/08",
                "pod-09/0/1/01/009/09",
                "pod-10/1/2/02/010/10",
                "pod-11/1/3/02/011/11",
            ],
        ),
        ("{x=10..7}:{x/2}", &["10:0", "9:0", "8:1", "7:1"]),
        ("{i}{i:02}{i%2}{i/2}-{0..3}", &["00000-0", "10110-1", "20201-2", "30311-3"]),
        ("only {i}", &["only 0"]),
        ("{{literal}} {{0..3}}", &["{literal} {0..3}"]),
        ("no braces", &["no braces"]),
        ("", &[""]),
    ];
    for (text, want) in table {
        assert_eq!(expand(&[text]), *want, "{text}");
    }
}

#[test]
fn expressions_multiply_in_set_order_the_last_fastest() {
    // As a spec's strings come: resource, scope, datapoint, then name.
    assert_eq!(
        expand(&["{a,b}", "n-{p=0..1}", "{p}-{0..1}", "m-{i}"]),
        [
            "a|n-0|0-0|m-0",
            "a|n-0|0-1|m-1",
            "a|n-1|1-0|m-2",
            "a|n-1|1-1|m-3",
            "b|n-0|0-0|m-4",
            "b|n-0|0-1|m-5",
            "b|n-1|1-0|m-6",
            "b|n-1|1-1|m-7",
        ]
    );
    // A name may be used before its definition; derived values do not multiply.
    assert_eq!(
        expand(&["node-{pod/2}", "checkout-{pod=0..3}"]),
        ["node-0|checkout-0", "node-0|checkout-1", "node-1|checkout-2", "node-1|checkout-3"]
    );
}

#[test]
fn a_series_key_is_its_values_and_0_without_expressions() {
    let set = SeriesSet::of(["pod-{00..99}", "{GET,POST}"]);
    assert_eq!(set.count(), 200);
    assert_eq!(set.values(15), "07\u{1f}POST");
    assert_eq!(set.key(15), fnv1a64("07\u{1f}POST"));
    // The values of pod-07 do not depend on the size of the set.
    let small = SeriesSet::of(["pod-{00..09}", "{GET,POST}"]);
    assert_eq!(small.values(15), "07\u{1f}POST");
    let plain = SeriesSet::of(["pod", "x"]);
    assert!(plain.is_plain());
    assert_eq!((plain.count(), plain.key(0), plain.values(0)), (1, 0, String::new()));
}

#[test]
fn bad_expressions_name_their_character() {
    /// The strings, and the problem: (string index, character, message part).
    type Case<'a> = (&'a [&'a str], (usize, usize, &'a str));
    let cases: &[Case<'_>] = &[
        (&["ab{c"], (usize::MAX, 2, "a `{` that starts no brace expression (it is not closed by `}`): write `{{`")),
        (&["a{b{c}"], (usize::MAX, 1, "not closed")),
        (&["x}"], (usize::MAX, 1, "write `}}` for a literal `}`")),
        (&["é{0..}"], (usize::MAX, 1, "`{0..}` is not a brace expression")),
        (&["{a b}"], (usize::MAX, 0, "write `{{` for a literal `{`")),
        (&["{0..9..0}"], (usize::MAX, 0, "the range step `0` must be a whole number above 0")),
        (&["{0..99999999999999999999}"], (usize::MAX, 0, "does not fit a 64-bit signed integer")),
        (&["{i=0..3}"], (usize::MAX, 0, "`i` is the series' position")),
        (&["{p=x}"], (usize::MAX, 0, "after `p=` write a range")),
        (&["{p/0}"], (usize::MAX, 0, "`/` takes a whole number above 0, found `0`")),
        (&["{p:2}"], (usize::MAX, 0, "a width is written `:0W`")),
        (&["{p=0..1}", "-{q}"], (1, 1, "no expression in this metric is named `q`")),
        (&["{pod=0..1}", "{pdo}"], (1, 0, "did you mean `pod`?")),
        (&["{p=0..1}", "{p=2..3}"], (1, 0, "the expression name `p` is defined twice")),
        (&["{0..9999}", "{0..9999}"], (0, 0, "make 100000000 series, more than the 10000000")),
    ];
    for (strings, (template, offset, message)) in cases {
        let (t, o, m) = problem(strings);
        assert_eq!((t, o), (*template, *offset), "{strings:?}: {m}");
        assert!(m.contains(message), "{strings:?}: {m}");
    }
}

#[test]
fn ten_million_series_is_the_limit() {
    assert_eq!(SeriesSet::of(["{0..9999}", "{1..1000}"]).count(), MAX_SERIES);
    let bad = SeriesSet::of(["{0..9999}", "{0..1000}"]);
    assert!(bad.is_plain(), "a set above the limit that reached the engine is taken literally");
}

#[test]
fn attributes_render_depth_first_and_stay_borrowed_when_plain() {
    let kv = |k: &str, v: AttrValue<'static>| KeyValue { key: Cow::Owned(k.to_owned()), value: v };
    let attrs = vec![
        kv("plain", "x".into()),
        kv("n", 3i64.into()),
        kv("map", AttrValue::KvList(Cow::Owned(vec![kv("inner", "in-{p=0..1}".into())]))),
        kv("list", AttrValue::Array(Cow::Owned(vec!["a{p}".into(), 1i64.into()]))),
    ];
    let mut strings = Vec::new();
    visit_strings(&attrs, &mut |s| strings.push(s));
    assert_eq!(strings, ["x", "in-{p=0..1}", "a{p}"]);
    let set = SeriesSet::of(strings.iter().copied().chain(["name"]));
    let mut next = 0;
    let rendered = render_attributes(&set, &attrs, 1.into(), &mut next);
    assert_eq!(next, 3);
    assert_eq!(rendered[2].value, AttrValue::KvList(Cow::Owned(vec![kv("inner", "in-1".into())])));
    assert_eq!(rendered[3].value, AttrValue::Array(Cow::Owned(vec!["a1".into(), 1i64.into()])));
    assert_eq!(rendered[0], attrs[0]);
    let plain = vec![kv("k", "v".into())];
    let mut next = 3;
    assert!(matches!(render_attributes(&set, &plain, 1.into(), &mut next), Cow::Borrowed(_)));
}

#[test]
fn churn_moves_a_members_value_on_past_its_range_and_keeps_its_positions() {
    let set = SeriesSet::of(["pod-{pod=08..12}", "node-{pod/2}", "{GET,PUT}", "{i}"]);
    let e = set.first_range(0..1).expect("the pod range");
    assert_eq!(set.first_range(2..3), None, "alternatives are not a range");
    let set = set.churning(e);
    assert_eq!(set.churn_axis(), Some((5, 2)));
    let render = |m: Member| {
        (0..4)
            .map(|t| {
                let mut out = String::new();
                set.render(t, m, &mut out);
                out
            })
            .collect::<Vec<_>>()
            .join("|")
    };
    // Position 3 is pod 09, PUT: its successors are pods 14, 19, 24 (padded as
    // the range is), on the same node, with the same position `i`.
    assert_eq!(render(3.into()), "pod-09|node-0|PUT|3");
    assert_eq!(render(Member { position: 3, generation: 1 }), "pod-14|node-0|PUT|3");
    assert_eq!(render(Member { position: 3, generation: 3 }), "pod-24|node-0|PUT|3");
    assert_eq!(set.values(Member { position: 3, generation: 1 }), "14\u{1f}PUT");
    assert_eq!(set.key(Member { position: 3, generation: 1 }), fnv1a64("14\u{1f}PUT"));
    // Every position holding the churned range's value 1 (pod 09).
    assert_eq!(set.positions_with(1).collect::<Vec<_>>(), [2, 3]);
    let outer = SeriesSet::of(["{a,b}", "{0..2}", "{x,y}"]).churning(1);
    assert_eq!(outer.positions_with(2).collect::<Vec<_>>(), [4, 5, 10, 11]);
}
