//! Redaction of residents' free-text comments before they are stored: e-mail addresses,
//! phone numbers, US social security numbers and card-like numbers become `[email]`,
//! `[phone]`, `[ssn]` and `[card]`. Ordinary numbers ("3 weeks", "case 12", "$1,200",
//! "2026-01-15") stay.
//!
//! A number is a run of digits joined by single spaces, hyphens, dots or parentheses (and
//! an optional leading `+`). By its digits: 13 to 19 is card-like; 9 written `ddd-dd-dddd`
//! (or 9 in a row) is a social security number; 7 or more is a phone number, whatever its
//! grouping, unless it is written as a date (`2026-01-15`, `01/15/2026`) or a decimal.

/// `text` with personal identifiers replaced; and whether anything was replaced.
pub fn redact(text: &str) -> (String, bool) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = email_at(&chars, i) {
            out.push_str("[email]");
            changed = true;
            i = end;
            continue;
        }
        let starts_number = (chars[i].is_ascii_digit()
            || ((chars[i] == '+' || chars[i] == '(')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        if starts_number {
            let end = number_end(&chars, i);
            let run: String = chars[i..end].iter().collect();
            let word_ends = chars.get(end).is_none_or(|c| !c.is_alphanumeric());
            if let Some(label) = word_ends.then(|| classify(&run)).flatten() {
                out.push_str(label);
                changed = true;
            } else {
                out.push_str(&run);
            }
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    (out, changed)
}

/// Where the number starting at `start` ends: digits, and single separators between them.
fn number_end(chars: &[char], start: usize) -> usize {
    let mut i = start;
    if chars[i] == '+' || chars[i] == '(' {
        i += 1;
    }
    let mut end = i;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            i += 1;
            end = i;
        } else if matches!(c, ' ' | '-' | '.' | '(' | ')' | '/')
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_digit() || *n == '(')
            && i > start
            && chars[i - 1] != c
        {
            i += 1;
        } else if c == ')' && chars.get(i + 1) == Some(&' ') {
            i += 2;
        } else {
            break;
        }
    }
    end
}

/// What the number `run` is, if it identifies someone.
fn classify(run: &str) -> Option<&'static str> {
    let digits: String = run.chars().filter(char::is_ascii_digit).collect();
    let groups: Vec<&str> = run
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let is_date = (run.contains('-') && lengths == [4, 2, 2])
        || (run.contains('/') && matches!(lengths.as_slice(), [1 | 2, 1 | 2, 2 | 4]));
    let is_decimal = run.matches('.').count() == 1 && !run.contains([' ', '-', '(']);
    if is_date {
        return None;
    }
    match digits.len() {
        13..=19 => Some("[card]"),
        9 if lengths == [3, 2, 4] || lengths == [9] => Some("[ssn]"),
        n if n >= 7 && !is_decimal => Some("[phone]"),
        _ => None,
    }
}

/// Where an e-mail address starting at `start` ends, if one does.
fn email_at(chars: &[char], start: usize) -> Option<usize> {
    let local = |c: &char| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    if !local(&chars[start]) || (start > 0 && local(&chars[start - 1])) {
        return None;
    }
    let at = (start..chars.len())
        .take_while(|&i| local(&chars[i]))
        .last()?
        + 1;
    if chars.get(at) != Some(&'@') || at == start {
        return None;
    }
    let domain = |c: &char| c.is_alphanumeric() || matches!(c, '.' | '-');
    let mut end = at + 1;
    while end < chars.len() && domain(&chars[end]) {
        end += 1;
    }
    while end > at + 1 && chars[end - 1] == '.' {
        end -= 1;
    }
    let host: String = chars[at + 1..end].iter().collect();
    let labels: Vec<&str> = host.split('.').collect();
    (labels.len() >= 2 && labels.iter().all(|l| !l.is_empty())).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn identifiers_are_redacted() {
        for (text, expected) in [
            (
                "Write to maria.lopez+dol@gmail.com please",
                "Write to [email] please",
            ),
            ("call me at (518) 555-0142.", "call me at [phone]."),
            ("my cell 518-555-0142", "my cell [phone]"),
            (
                "text 518.555.0142 or +1 212 555 0199",
                "text [phone] or [phone]",
            ),
            ("office 555-0142 ext", "office [phone] ext"),
            ("+44 20 7946 0958 abroad", "[phone] abroad"),
            ("5185550142", "[phone]"),
            ("SSN 078-05-1120 on file", "SSN [ssn] on file"),
            ("ssn 078051120", "ssn [ssn]"),
            (
                "card 4111 1111 1111 1111 was charged",
                "card [card] was charged",
            ),
            ("card 4111-1111-1111-1111", "card [card]"),
        ] {
            assert_eq!(redact(text), (expected.to_owned(), true), "{text}");
        }
    }

    #[test]
    fn ordinary_numbers_stay() {
        for text in [
            "I waited 3 weeks for case 12",
            "paid $1,200 in rent, 2 kids, age 45",
            "applied on 2026-01-15 and again on 01/15/2026",
            "benefit of 504.50 a week",
            "room 1204, floor 12",
            "form IT-201 and W-2",
            "zip 12207",
            "no contact info here",
        ] {
            assert_eq!(redact(text), (text.to_owned(), false), "{text}");
        }
    }
}
