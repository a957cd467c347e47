//! Load texts built of other texts, put in Chinese piece by piece: a reason after its label
//! (`zone 'A': …`, `line 5: …`, `feature 3: …`), and the "no usable rows" error that lists a
//! file's first reasons after its summary.

/// `label: reason` with the reason in Chinese (`translate`), the label too; None when the
/// text has no such label or its reason is not known.
pub(super) fn labelled(text: &str, translate: impl Fn(&str) -> Option<String>) -> Option<String> {
    let (label, reason) = split_label(text)?;
    Some(format!("{label}：{}", translate(reason)?))
}

/// The Chinese label and the rest of `zone: R`, `zone 'id': R`, `line N: R` or `feature N: R`.
fn split_label(text: &str) -> Option<(String, &str)> {
    if let Some(rest) = text.strip_prefix("zone: ") {
        return Some(("集聚区".into(), rest));
    }
    if let Some(rest) = text.strip_prefix("zone '") {
        let (id, reason) = rest.split_once("': ")?;
        return Some((format!("集聚区“{id}”"), reason));
    }
    for (word, zh) in [("line ", "第 {} 行"), ("feature ", "要素 {}")] {
        if let Some((n, reason)) = text.strip_prefix(word).and_then(|r| r.split_once(": "))
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            return Some((zh.replace("{}", n), reason));
        }
    }
    None
}

/// "no usable rows (L of N loaded; K skipped (kinds); first: R; R): path", or a zone file's
/// "no usable rows (feature 0: R; …): path", in Chinese: the summary's words and each
/// reason that is known (others as written).
pub(super) fn no_usable_rows(
    text: &str,
    translate: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let inner = text.strip_prefix("no usable rows (")?;
    let (inner, path) = inner.rsplit_once("): ")?;
    let (summary, list) = match inner.split_once("; first: ") {
        Some((summary, list)) => (Some(summary_zh(summary)?), list),
        None if split_label(inner).is_some() => (None, inner),
        None => return None,
    };
    let reasons: Vec<String> = reasons(list)
        .map(|r| labelled(r, &translate).unwrap_or_else(|| r.to_string()))
        .collect();
    let reasons = reasons.join("；");
    Some(match summary {
        Some(s) => format!("没有可用的行（{s}；前几条：{reasons}）：{path}"),
        None => format!("没有可用的行（{reasons}）：{path}"),
    })
}

/// A list of labelled reasons joined by `; `, cut only where the next label starts (a
/// reason may hold `; ` itself).
fn reasons(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(list);
    std::iter::from_fn(move || {
        let text = rest?;
        let mut from = 0;
        while let Some(at) = text.get(from..)?.find("; ").map(|a| a + from) {
            let next = text.get(at + 2..).unwrap_or_default();
            if split_label(next).is_some() {
                rest = Some(next);
                return text.get(..at);
            }
            from = at + 2;
        }
        rest = None;
        Some(text)
    })
}

/// "L of N loaded" and "; K skipped (kind v, …)" in Chinese, as the load report's line
/// writes them in the 中文 window.
fn summary_zh(summary: &str) -> Option<String> {
    let (counts, skipped) = match summary.split_once("; ") {
        Some((c, s)) => (c, Some(s)),
        None => (summary, None),
    };
    let (loaded, read) = counts.strip_suffix(" loaded")?.split_once(" of ")?;
    let mut out = format!("载入 {loaded} / {read}");
    if let Some(s) = skipped {
        let (n, kinds) = s.split_once(" skipped (")?;
        let kinds: Vec<String> = kinds
            .strip_suffix(')')?
            .split(", ")
            .map(|kv| match kv.rsplit_once(' ') {
                Some((k, v)) => format!("{} {v}", super::reason_texts::kind_zh(k)),
                None => kv.to_string(),
            })
            .collect();
        out.push_str(&format!("；跳过 {n}（{}）", kinds.join("，")));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(text: &str) -> Option<String> {
        (text == "longitude or latitude is empty").then(|| "经度或纬度为空".to_string())
    }

    #[test]
    fn labels_and_summaries_read_in_chinese() {
        assert_eq!(
            labelled("zone 'A: b': longitude or latitude is empty", known).as_deref(),
            Some("集聚区“A: b”：经度或纬度为空")
        );
        assert_eq!(
            labelled("line 12: longitude or latitude is empty", known).as_deref(),
            Some("第 12 行：经度或纬度为空")
        );
        assert_eq!(
            labelled("line x: longitude or latitude is empty", known),
            None
        );
        assert_eq!(labelled("zone: something new", known), None);
        let text = "no usable rows (0 of 3 loaded; 3 skipped (missing 2, odd 1); first: \
                    line 2: longitude or latitude is empty; line 3: a; b; feature 4: c): \
                    /data/f (1).csv";
        assert_eq!(
            no_usable_rows(text, known).as_deref(),
            Some(
                "没有可用的行（载入 0 / 3；跳过 3（缺坐标 2，odd 1）；前几条：\
                 第 2 行：经度或纬度为空；line 3: a; b；feature 4: c）：/data/f (1).csv"
            )
        );
        assert_eq!(
            no_usable_rows("no usable rows (feature 0: zone: x): z.geojson", known).as_deref(),
            Some("没有可用的行（feature 0: zone: x）：z.geojson")
        );
        assert_eq!(no_usable_rows("no usable rows (what): f.csv", known), None);
    }
}
