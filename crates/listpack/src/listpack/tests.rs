//! Listpack tests: examples of each operation, and property tests against a
//! `Vec` of element texts. A listpack's bytes are a function of its element
//! sequence (Redis always picks the smallest encoding), so after any edit the
//! bytes must equal those of a listpack built afresh from the model.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::element::Element;
use crate::error::{Format, FormatError};

fn texts(listpack: &ListpackView<'_>) -> Vec<Vec<u8>> {
    listpack.iter().map(|element| element.to_vec()).collect()
}

fn built(model: &[Vec<u8>]) -> Listpack {
    model.iter().collect()
}

#[test]
fn empty_listpack_is_seven_bytes() {
    let listpack = Listpack::new();
    assert_eq!(listpack.as_bytes(), [7, 0, 0, 0, 0, 0, 0xFF]);
    assert!(listpack.is_empty());
    assert_eq!(listpack.len(), 0);
    let view = listpack.view();
    assert!(view.first().is_none() && view.last().is_none());
    assert!(view.seek(0).is_none() && view.seek(-1).is_none());
    assert!(view.find(b"x", 0).is_none());
    assert_eq!(validate(listpack.as_bytes(), true), Ok(()));
}

#[test]
fn strings_that_read_as_integers_are_stored_as_integers() {
    let listpack: Listpack = [&b"12"[..], b"012", b"-0", b"abc", b"-4096"]
        .into_iter()
        .collect();
    let kinds: Vec<bool> = listpack
        .view()
        .iter()
        .map(|element| matches!(element, Element::Int(_)))
        .collect();
    assert_eq!(kinds, [true, false, false, false, true]);
    let same: Listpack = [Element::Int(12), Element::Str(b"012")]
        .into_iter()
        .chain([
            Element::Str(b"-0"),
            Element::Str(b"abc"),
            Element::Int(-4096),
        ])
        .collect();
    assert_eq!(listpack, same);
}

#[test]
fn navigation_both_ways() {
    let listpack: Listpack = ["a", "1", "b", "2", "c"].into_iter().collect();
    let view = listpack.view();
    let first = view.first().map(|entry| entry.element);
    assert_eq!(first, Some(Element::Str(b"a")));
    let last = view.last();
    assert_eq!(last.map(|entry| entry.element), Some(Element::Str(b"c")));
    let before_last = last.and_then(|entry| view.prev(entry.pos));
    assert_eq!(
        before_last.map(|entry| entry.element),
        Some(Element::Int(2))
    );
    let after = before_last.and_then(|entry| view.next(entry.pos));
    assert_eq!(after.map(|entry| entry.pos), last.map(|entry| entry.pos));
    assert!(last.and_then(|entry| view.next(entry.pos)).is_none());
    assert!(
        view.first()
            .and_then(|entry| view.prev(entry.pos))
            .is_none()
    );
    assert_eq!(
        view.seek(-2).map(|entry| entry.element),
        Some(Element::Int(2))
    );
    assert_eq!(
        view.seek(1).map(|entry| entry.element),
        Some(Element::Int(1))
    );
    assert!(view.seek(5).is_none() && view.seek(-6).is_none());
    let pairs: Vec<_> = view.pairs().collect();
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[1], (Element::Str(b"b"), Element::Int(2)));
}

#[test]
fn find_with_skip_looks_at_every_other_entry() {
    // field, value, field, value: the value "b" must not match a field lookup.
    let listpack: Listpack = ["a", "b", "b", "7", "7", "x"].into_iter().collect();
    let view = listpack.view();
    let field = view.find(b"b", 1);
    assert_eq!(
        field.map(|entry| entry.pos),
        view.seek(2).map(|entry| entry.pos)
    );
    let value = field.and_then(|entry| view.next(entry.pos));
    assert_eq!(value.map(|entry| entry.element), Some(Element::Int(7)));
    assert_eq!(
        view.find(b"7", 1).map(|entry| entry.pos),
        view.seek(4).map(|entry| entry.pos)
    );
    assert!(view.find(b"07", 0).is_none());
    assert!(view.find(b"x", 1).is_none());
    assert!(view.find(b"x", 0).is_some());
}

#[test]
fn edits_at_positions() {
    let mut listpack: Listpack = ["a", "b", "c"].into_iter().collect();
    let b = listpack.view().seek(1).map(|entry| entry.pos);
    let Some(b) = b else { panic!("no b") };
    let inserted = listpack.insert(b, Side::After, "x");
    assert_eq!(listpack.view().get(inserted), Some(Element::Str(b"x")));
    listpack.insert(b, Side::Before, 5);
    assert_eq!(
        texts(&listpack.view()),
        built_texts(&["a", "5", "b", "x", "c"])
    );
    let Some(first) = listpack.view().first().map(|entry| entry.pos) else {
        panic!("empty")
    };
    listpack.replace(first, "a much longer string than before");
    let next = listpack.delete(first);
    assert_eq!(
        next.and_then(|pos| listpack.view().get(pos)),
        Some(Element::Int(5))
    );
    let Some(last) = listpack.view().last().map(|entry| entry.pos) else {
        panic!("empty")
    };
    assert!(listpack.delete(last).is_none());
    assert_eq!(listpack.delete_range(-2, 10), 2);
    assert_eq!(texts(&listpack.view()), built_texts(&["5"]));
    assert_eq!(listpack.delete_range(3, 1), 0);
    listpack.clear();
    assert_eq!(listpack, Listpack::new());
}

fn built_texts(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|item| item.as_bytes().to_vec()).collect()
}

#[test]
fn count_unknown_is_walked_and_kept() {
    let mut bytes = ["a", "b"].into_iter().collect::<Listpack>().into_bytes();
    bytes[4..6].copy_from_slice(&[0xFF, 0xFF]);
    assert_eq!(ListpackView::new(&bytes).len(), 2);
    assert_eq!(
        ListpackView::new(&bytes)
            .seek(-1)
            .map(|entry| entry.element),
        Some(Element::Str(b"b"))
    );
    assert_eq!(validate(&bytes, true), Ok(()));
    let mut listpack = Listpack::from(bytes);
    listpack.push_back("c");
    assert_eq!(&listpack.as_bytes()[4..6], [0xFF, 0xFF]);
    assert_eq!(listpack.len(), 3);
}

#[test]
fn validate_reports_what_is_wrong() {
    let good = ["hello", "1000"]
        .into_iter()
        .collect::<Listpack>()
        .into_bytes();
    let format = Format::Listpack;
    assert_eq!(
        validate(&good[..5], false),
        Err(FormatError::TooShort { format, len: 5 })
    );
    let mut bad = good.clone();
    bad.push(0xFF);
    assert!(matches!(
        validate(&bad, false),
        Err(FormatError::SizeMismatch { .. })
    ));
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] = 0;
    assert_eq!(
        validate(&bad, false),
        Err(FormatError::MissingTerminator { format })
    );
    let mut bad = good.clone();
    bad[6] = 0xF6;
    assert_eq!(validate(&bad, false), Ok(()));
    assert_eq!(
        validate(&bad, true),
        Err(FormatError::BadEncoding { format, offset: 6 })
    );
    let mut bad = good.clone();
    bad[12] = 9; // back length of "hello" (6 bytes)
    assert_eq!(
        validate(&bad, true),
        Err(FormatError::LengthMismatch { format, offset: 6 })
    );
    let mut bad = good.clone();
    bad[4] = 3;
    assert!(matches!(
        validate(&bad, true),
        Err(FormatError::CountMismatch {
            declared: 3,
            actual: 2,
            ..
        })
    ));
    let mut bad = good.clone();
    bad[6] = 0x8F; // a 15-byte string: runs past the end
    assert_eq!(
        validate(&bad, true),
        Err(FormatError::EntryOutOfBounds { format, offset: 6 })
    );
    let mut bad = good;
    bad[13] = 0xFF;
    assert_eq!(
        validate(&bad, true),
        Err(FormatError::EarlyTerminator { format, offset: 13 })
    );
}

/// Texts covering every encoding: integers of each width, integer-like
/// strings, short, 63/64-byte and 4095/4096-byte strings.
fn element_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (0i64..200).prop_map(|value| value.to_string().into_bytes()),
        4 => (-40_000i64..40_000).prop_map(|value| value.to_string().into_bytes()),
        2 => any::<i64>().prop_map(|value| value.to_string().into_bytes()),
        2 => (-9_000_000i64..9_000_000).prop_map(|value| value.to_string().into_bytes()),
        2 => "[-+0-9 ]{0,4}".prop_map(String::into_bytes),
        6 => vec(any::<u8>(), 0..12),
        1 => vec(any::<u8>(), 60..70),
        1 => (4090usize..4100).prop_map(|len| vec![b'q'; len]),
    ]
}

#[derive(Clone, Debug)]
enum Edit {
    PushBack(Vec<u8>),
    PushFront(Vec<u8>),
    Insert(usize, bool, Vec<u8>),
    Replace(usize, Vec<u8>),
    Delete(usize),
    DeleteRun(usize, usize),
    DeleteRange(i64, usize),
    Extend(Vec<Vec<u8>>),
    Clear,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => element_text().prop_map(Edit::PushBack),
        2 => element_text().prop_map(Edit::PushFront),
        3 => (any::<usize>(), any::<bool>(), element_text())
            .prop_map(|(index, after, text)| Edit::Insert(index, after, text)),
        3 => (any::<usize>(), element_text()).prop_map(|(index, text)| Edit::Replace(index, text)),
        2 => any::<usize>().prop_map(Edit::Delete),
        1 => (any::<usize>(), 0usize..4).prop_map(|(index, count)| Edit::DeleteRun(index, count)),
        1 => (-12i64..12, 0usize..5).prop_map(|(index, count)| Edit::DeleteRange(index, count)),
        1 => vec(element_text(), 0..6).prop_map(Edit::Extend),
        1 => Just(Edit::Clear),
    ]
}

/// Applies `edit` to the listpack and to the model.
fn apply(listpack: &mut Listpack, model: &mut Vec<Vec<u8>>, edit: Edit) {
    let pos_of = |listpack: &Listpack, index: usize| {
        listpack
            .view()
            .seek(index as i64)
            .map(|entry| entry.pos)
            .unwrap_or_else(|| panic!("index {index} not found"))
    };
    match edit {
        Edit::PushBack(text) => {
            listpack.push_back(&text);
            model.push(text);
        }
        Edit::PushFront(text) => {
            listpack.push_front(&text);
            model.insert(0, text);
        }
        Edit::Insert(_, _, _) | Edit::Replace(_, _) | Edit::Delete(_) | Edit::DeleteRun(_, _)
            if model.is_empty() => {}
        Edit::Insert(index, after, text) => {
            let index = index % model.len();
            let side = if after { Side::After } else { Side::Before };
            let pos = listpack.insert(pos_of(listpack, index), side, &text);
            let at = if after { index + 1 } else { index };
            assert_eq!(pos_of(listpack, at), pos);
            model.insert(at, text);
        }
        Edit::Replace(index, text) => {
            let index = index % model.len();
            listpack.replace(pos_of(listpack, index), &text);
            model[index] = text;
        }
        Edit::Delete(index) => {
            let index = index % model.len();
            let next = listpack.delete(pos_of(listpack, index));
            model.remove(index);
            assert_eq!(next.is_some(), index < model.len());
        }
        Edit::DeleteRun(index, count) => {
            let index = index % model.len();
            let next = listpack.delete_run(pos_of(listpack, index), count);
            let end = (index + count).min(model.len());
            model.drain(index..end);
            assert_eq!(next.is_some(), index < model.len());
        }
        Edit::DeleteRange(index, count) => {
            let len = model.len() as i64;
            let start = if index < 0 { index + len } else { index };
            let deleted = listpack.delete_range(index, count);
            if (0..len).contains(&start) && count > 0 {
                let start = start as usize;
                let end = (start + count).min(model.len());
                assert_eq!(deleted, end - start);
                model.drain(start..end);
            } else {
                assert_eq!(deleted, 0);
            }
        }
        Edit::Extend(texts) => {
            listpack.extend(texts.iter());
            model.extend(texts);
        }
        Edit::Clear => {
            listpack.clear();
            model.clear();
        }
    }
}

/// Byte mutations of a valid listpack, for the corruption tests.
#[derive(Clone, Debug)]
enum Corruption {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
}

fn corrupt(bytes: &mut Vec<u8>, corruptions: &[Corruption], fix_size: bool) {
    for corruption in corruptions {
        let len = bytes.len();
        match *corruption {
            Corruption::Set(at, byte) if len > 0 => bytes[at % len] = byte,
            Corruption::Insert(at, byte) => bytes.insert(at % (len + 1), byte),
            Corruption::Remove(at) if len > 0 => {
                bytes.remove(at % len);
            }
            _ => {}
        }
    }
    if fix_size && bytes.len() >= 4 {
        let len = (bytes.len() as u32).to_le_bytes();
        bytes[..4].copy_from_slice(&len);
    }
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Corruption::Set(at, byte)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Corruption::Insert(at, byte)),
        any::<usize>().prop_map(Corruption::Remove),
    ]
}

/// Every read of `view`, for the no-panic tests; returns what a consistent
/// listpack must agree on.
fn read_everything(view: ListpackView<'_>) -> (usize, Vec<Entry<'_>>, Vec<Entry<'_>>) {
    let len = view.len();
    let forward: Vec<Entry<'_>> = view.entries().collect();
    let mut backward: Vec<Entry<'_>> = view.entries().rev().collect();
    backward.reverse();
    for entry in &forward {
        let _ = view.next(entry.pos);
        let _ = view.prev(entry.pos);
        let _ = view.get(entry.pos);
        let _ = view.find_from(entry.pos, b"1", 1);
        let _ = view.entries_from(entry.pos).rev().count();
        let _ = view.entries_through(entry.pos).rev().count();
    }
    for index in -3..3 {
        let _ = view.seek(index);
    }
    let _ = view.find(b"a", 0);
    let _ = view.pairs().rev().count();
    let _ = format!("{view:?}");
    (len, forward, backward)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sequences_read_back(model in vec(element_text(), 0..40)) {
        let listpack = built(&model);
        let view = listpack.view();
        prop_assert_eq!(validate(listpack.as_bytes(), true), Ok(()));
        prop_assert_eq!(view.len(), model.len());
        prop_assert_eq!(view.bytes_len(), listpack.as_bytes().len());
        prop_assert_eq!(texts(&view), model.clone());
        let mut backwards: Vec<Vec<u8>> = view.iter().rev().map(|e| e.to_vec()).collect();
        backwards.reverse();
        prop_assert_eq!(&backwards, &model);
        let len = model.len() as i64;
        for index in -len - 1..=len {
            let expected = if index < 0 { index + len } else { index };
            let found = view.seek(index).map(|entry| entry.element.to_vec());
            prop_assert_eq!(found, model.get(expected as usize).filter(|_| expected >= 0).cloned());
        }
        for (index, text) in model.iter().enumerate() {
            let pos = view.find(text, 0).map(|entry| entry.pos);
            let first = model.iter().position(|other| other == text);
            prop_assert_eq!(pos, first.and_then(|first| view.seek(first as i64)).map(|e| e.pos));
            let field = model.iter().step_by(2).position(|other| other == text);
            let pos = view.find(text, 1).map(|entry| entry.pos);
            prop_assert_eq!(pos, field.and_then(|f| view.seek(2 * f as i64)).map(|e| e.pos));
            let Some(entry) = view.seek(index as i64) else {
                return Err(TestCaseError::fail("seek found nothing"));
            };
            prop_assert!(entry.element.eq_bytes(text));
            let from: Vec<Vec<u8>> = view.entries_from(entry.pos).map(|e| e.element.to_vec()).collect();
            prop_assert_eq!(&from[..], &model[index..]);
            let back: Vec<Vec<u8>> =
                view.entries_through(entry.pos).rev().map(|e| e.element.to_vec()).collect();
            let expected: Vec<Vec<u8>> = model[..=index].iter().rev().cloned().collect();
            prop_assert_eq!(back, expected);
        }
    }

    #[test]
    fn edits_follow_the_model(
        start in vec(element_text(), 0..10),
        edits in vec(edit(), 1..30),
    ) {
        let mut listpack = built(&start);
        let mut model = start;
        for edit in edits {
            apply(&mut listpack, &mut model, edit);
            prop_assert_eq!(texts(&listpack.view()), model.clone());
            let expected = built(&model);
            prop_assert_eq!(listpack.as_bytes(), expected.as_bytes());
            prop_assert_eq!(validate(listpack.as_bytes(), true), Ok(()));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..64), deep: bool) {
        let _ = validate(&bytes, deep);
        read_everything(ListpackView::new(&bytes));
    }

    #[test]
    fn corrupted_listpacks_are_refused_or_consistent(
        model in vec(element_text(), 1..12),
        corruptions in vec(corruption(), 1..4),
        fix_size: bool,
    ) {
        let mut bytes = built(&model).into_bytes();
        corrupt(&mut bytes, &corruptions, fix_size);
        let _ = validate(&bytes, false);
        let (len, forward, backward) = read_everything(ListpackView::new(&bytes));
        if validate(&bytes, true).is_ok() {
            // What validates reads the same both ways, and edits work on it.
            prop_assert_eq!(len, forward.len());
            prop_assert_eq!(&forward, &backward);
            let mut listpack = Listpack::from(bytes.clone());
            if let Some(first) = forward.first() {
                listpack.replace(first.pos, "replaced");
                listpack.insert(first.pos, Side::After, 42);
                listpack.delete(first.pos);
            }
            listpack.push_front("x");
            listpack.delete_range(-1, 1);
            prop_assert_eq!(validate(listpack.as_bytes(), true), Ok(()));
        }
    }
}
