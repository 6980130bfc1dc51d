//! Eligibility rules: every operator, table-driven, with its edge cases; rules and answers
//! that do not fit their criterion are rejected.

use chrono::NaiveDate;
use civic_catalog::catalog::eligibility::{
    Answer, CriterionOption, CriterionShape, Outcome, Rule, combine,
};
use civic_catalog::catalog::types::{CriterionKind, RuleGroupMode, RuleOperator};
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn criterion(kind: CriterionKind) -> CriterionShape {
    let options = ["a", "b", "c"]
        .iter()
        .map(|v| CriterionOption {
            value: (*v).to_owned(),
            label: v.to_uppercase(),
        })
        .collect();
    CriterionShape {
        key: "q".to_owned(),
        label: "Question".to_owned(),
        kind,
        options: if matches!(kind, CriterionKind::Select | CriterionKind::MultiSelect) {
            options
        } else {
            Vec::new()
        },
        income_period: None,
        future_dates: false,
    }
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// (kind, operator, rule value, answer or null for unanswered, as-of date, expected)
type Case = (
    CriterionKind,
    RuleOperator,
    Value,
    Value,
    &'static str,
    Outcome,
);

#[test]
fn every_operator_evaluates_as_documented() {
    use CriterionKind as K;
    use Outcome::{Met, NotMet, Unanswered};
    use RuleOperator as O;
    let today = "2026-11-24";
    let cases: Vec<Case> = vec![
        (K::Number, O::Answered, json!(null), json!(0), today, Met),
        (
            K::Number,
            O::Answered,
            json!(null),
            json!(null),
            today,
            Unanswered,
        ),
        (K::Boolean, O::IsTrue, json!(null), json!(true), today, Met),
        (
            K::Boolean,
            O::IsTrue,
            json!(null),
            json!(false),
            today,
            NotMet,
        ),
        (
            K::Boolean,
            O::IsFalse,
            json!(null),
            json!(false),
            today,
            Met,
        ),
        (
            K::Boolean,
            O::IsFalse,
            json!(null),
            json!(true),
            today,
            NotMet,
        ),
        (
            K::Select,
            O::OneOf,
            json!(["a", "b"]),
            json!("b"),
            today,
            Met,
        ),
        (
            K::Select,
            O::OneOf,
            json!(["a", "b"]),
            json!("c"),
            today,
            NotMet,
        ),
        (
            K::MultiSelect,
            O::OneOf,
            json!(["a"]),
            json!(["c", "a"]),
            today,
            Met,
        ),
        (
            K::MultiSelect,
            O::OneOf,
            json!(["a"]),
            json!([]),
            today,
            NotMet,
        ),
        (K::Select, O::NoneOf, json!(["a"]), json!("b"), today, Met),
        (
            K::Select,
            O::NoneOf,
            json!(["a"]),
            json!("a"),
            today,
            NotMet,
        ),
        (
            K::MultiSelect,
            O::NoneOf,
            json!(["a"]),
            json!(["b", "c"]),
            today,
            Met,
        ),
        (
            K::MultiSelect,
            O::NoneOf,
            json!(["a"]),
            json!(["b", "a"]),
            today,
            NotMet,
        ),
        (
            K::MultiSelect,
            O::AllOf,
            json!(["a", "b"]),
            json!(["b", "c", "a"]),
            today,
            Met,
        ),
        (
            K::MultiSelect,
            O::AllOf,
            json!(["a", "b"]),
            json!(["a"]),
            today,
            NotMet,
        ),
        (K::Number, O::Lt, json!(10), json!(9.99), today, Met),
        (K::Number, O::Lt, json!(10), json!(10), today, NotMet),
        (K::Number, O::Lte, json!(10), json!(10), today, Met),
        (K::Number, O::Lte, json!(10), json!(10.01), today, NotMet),
        (K::Number, O::Gt, json!(10), json!(10), today, NotMet),
        (K::Number, O::Gt, json!(10), json!(11), today, Met),
        (K::Number, O::Gte, json!(10), json!(10), today, Met),
        (K::Number, O::Gte, json!(10), json!(-10), today, NotMet),
        (K::Number, O::Between, json!([1, 3]), json!(1), today, Met),
        (K::Number, O::Between, json!([1, 3]), json!(3), today, Met),
        (
            K::Number,
            O::Between,
            json!([1, 3]),
            json!(3.5),
            today,
            NotMet,
        ),
        (
            K::Number,
            O::Between,
            json!([1, 3]),
            json!(0),
            today,
            NotMet,
        ),
        (
            K::Date,
            O::Before,
            json!("2026-01-01"),
            json!("2025-12-31"),
            today,
            Met,
        ),
        (
            K::Date,
            O::Before,
            json!("2026-01-01"),
            json!("2026-01-01"),
            today,
            NotMet,
        ),
        (
            K::Date,
            O::OnOrAfter,
            json!("2026-01-01"),
            json!("2026-01-01"),
            today,
            Met,
        ),
        (
            K::Date,
            O::OnOrAfter,
            json!("2026-01-01"),
            json!("2025-12-31"),
            today,
            NotMet,
        ),
        // Exactly on the threshold: the 62nd birthday itself counts as 62.
        (
            K::Date,
            O::AtLeastYearsAgo,
            json!(62),
            json!("1964-11-24"),
            today,
            Met,
        ),
        (
            K::Date,
            O::AtLeastYearsAgo,
            json!(62),
            json!("1964-11-25"),
            today,
            NotMet,
        ),
        (
            K::Date,
            O::LessThanYearsAgo,
            json!(62),
            json!("1964-11-24"),
            today,
            NotMet,
        ),
        (
            K::Date,
            O::LessThanYearsAgo,
            json!(62),
            json!("1964-11-25"),
            today,
            Met,
        ),
        (
            K::Date,
            O::LessThanYearsAgo,
            json!(2),
            json!("2027-01-01"),
            today,
            NotMet,
        ),
        // Leap days: born 29 February, the birthday in other years is 1 March.
        (
            K::Date,
            O::AtLeastYearsAgo,
            json!(62),
            json!("2000-02-29"),
            "2062-02-28",
            NotMet,
        ),
        (
            K::Date,
            O::AtLeastYearsAgo,
            json!(62),
            json!("2000-02-29"),
            "2062-03-01",
            Met,
        ),
        (
            K::Date,
            O::AtLeastYearsAgo,
            json!(4),
            json!("2000-02-29"),
            "2004-02-29",
            Met,
        ),
        (
            K::Date,
            O::AtLeastYearsAgo,
            json!(4),
            json!("2000-02-29"),
            "2004-02-28",
            NotMet,
        ),
        (
            K::Date,
            O::AtLeastYearsAgo,
            json!(62),
            json!("1962-03-01"),
            "2024-02-29",
            NotMet,
        ),
        (
            K::Date,
            O::LessThanYearsAgo,
            json!(62),
            json!("2000-02-29"),
            "2062-02-28",
            Met,
        ),
        (
            K::Date,
            O::WithinLastDays,
            json!(30),
            json!("2026-10-25"),
            today,
            Met,
        ),
        (
            K::Date,
            O::WithinLastDays,
            json!(30),
            json!("2026-10-24"),
            today,
            NotMet,
        ),
        (
            K::Date,
            O::WithinLastDays,
            json!(30),
            json!("2026-11-25"),
            today,
            NotMet,
        ),
        (
            K::Date,
            O::WithinLastDays,
            json!(0),
            json!("2026-11-24"),
            today,
            Met,
        ),
        (
            K::Date,
            O::WithinLastMonths,
            json!(1),
            json!("2026-10-24"),
            today,
            Met,
        ),
        (
            K::Date,
            O::WithinLastMonths,
            json!(1),
            json!("2026-10-23"),
            today,
            NotMet,
        ),
        // Month ends clamp: one month before 31 March is 28 (or 29) February.
        (
            K::Date,
            O::WithinLastMonths,
            json!(1),
            json!("2026-02-28"),
            "2026-03-31",
            Met,
        ),
        (
            K::Date,
            O::WithinLastMonths,
            json!(1),
            json!("2026-02-27"),
            "2026-03-31",
            NotMet,
        ),
        (
            K::Date,
            O::WithinLastMonths,
            json!(12),
            json!("2024-02-29"),
            "2025-02-28",
            Met,
        ),
    ];
    for (kind, operator, value, answer, as_of, expected) in cases {
        let shape = criterion(kind);
        let rule = Rule::parse("rule", &shape, operator, &value)
            .unwrap_or_else(|e| panic!("{operator:?} {value}: {e:?}"));
        let answer = (!answer.is_null()).then(|| Answer::parse("answer", &shape, &answer).unwrap());
        let got = rule.evaluate(answer.as_ref(), date(as_of));
        assert_eq!(
            got, expected,
            "{operator:?} {value} against {answer:?} on {as_of}"
        );
    }
}

#[test]
fn groups_combine_with_all_and_any() {
    use Outcome::{Met, NotMet, Unanswered};
    let all = |o: &[Outcome]| combine(RuleGroupMode::All, o.iter().copied());
    let any = |o: &[Outcome]| combine(RuleGroupMode::Any, o.iter().copied());
    assert_eq!(all(&[Met, Met]), Met);
    assert_eq!(all(&[Met, Unanswered]), Unanswered);
    assert_eq!(all(&[Unanswered, NotMet]), NotMet);
    assert_eq!(any(&[NotMet, Met]), Met);
    assert_eq!(any(&[NotMet, Unanswered]), Unanswered);
    assert_eq!(any(&[NotMet, NotMet]), NotMet);
}

#[test]
fn rules_that_do_not_fit_their_criterion_are_rejected() {
    use CriterionKind as K;
    use RuleOperator as O;
    let cases: Vec<(CriterionKind, RuleOperator, Value, &str)> = vec![
        (K::Boolean, O::Gt, json!(1), "rule.operator"),
        (K::Number, O::IsTrue, json!(null), "rule.operator"),
        (K::Select, O::AllOf, json!(["a"]), "rule.operator"),
        (K::Date, O::Lt, json!(1), "rule.operator"),
        (K::Number, O::Gt, json!("ten"), "rule.value"),
        (K::Number, O::Between, json!([3, 1]), "rule.value"),
        (K::Number, O::Between, json!([1]), "rule.value"),
        (K::Select, O::OneOf, json!(["z"]), "rule.value"),
        (K::Select, O::OneOf, json!([]), "rule.value"),
        (K::Select, O::OneOf, json!("a"), "rule.value"),
        (K::Date, O::Before, json!("24/11/2026"), "rule.value"),
        (K::Date, O::AtLeastYearsAgo, json!(-1), "rule.value"),
        (K::Date, O::AtLeastYearsAgo, json!(2.5), "rule.value"),
        (K::Boolean, O::IsTrue, json!(true), "rule.value"),
    ];
    for (kind, operator, value, field) in cases {
        match Rule::parse("rule", &criterion(kind), operator, &value) {
            Err(civic_catalog::catalog::CatalogError::BadInput { field: got, .. }) => {
                assert_eq!(got, field, "{operator:?} {value}")
            }
            other => panic!("{kind:?} {operator:?} {value} should be rejected, got {other:?}"),
        }
    }
}

#[test]
fn answers_of_the_wrong_type_are_rejected() {
    use CriterionKind as K;
    for (kind, answer) in [
        (K::Boolean, json!("yes")),
        (K::Number, json!("12")),
        (K::Date, json!("2026-13-01")),
        (K::Select, json!("z")),
        (K::Select, json!(["a"])),
        (K::MultiSelect, json!("a")),
        (K::MultiSelect, json!(["a", "z"])),
    ] {
        assert!(
            Answer::parse("answer", &criterion(kind), &answer).is_err(),
            "{kind:?} {answer}"
        );
    }
}

#[tokio::test]
async fn a_catalog_document_with_a_rule_that_does_not_fit_is_rejected() {
    let app = TestApp::seeded().await;
    let document = json!({ "services": [{
        "slug": "odd-rule", "name": "Odd", "summary": "S", "description": "D", "agency": "nys-dol",
        "channels": [{ "kind": "WEBSITE", "label": "L", "url": "https://dol.ny.gov" }],
        "eligibility": [{ "rules": [{ "criterion": "birth-date", "operator": "GT", "value": 62 }] }]
    }] });
    let parsed = civic_catalog::catalog::import::parse(&document.to_string()).unwrap();
    match app.catalog.load_document(&parsed).await {
        Err(civic_catalog::catalog::CatalogError::BadInput { field, .. }) => {
            assert_eq!(field, "services[0].eligibility[0].rules[0].operator")
        }
        other => panic!("expected a rejected rule, got {other:?}"),
    }
}
