"""'Did you mean' suggestions: one pool for the many wrong words of a file, bounded."""

from __future__ import annotations

from riskengine.suggest import SUGGESTED_AT_MOST, Suggestions, did_you_mean


def test_the_first_words_of_a_file_are_answered_as_did_you_mean_answers_them():
    suggest = Suggestions(["B2.1.1", "B2.1.2", "C1.1.1"])
    assert suggest("C1.1.l") == did_you_mean("C1.1.l", ["B2.1.1", "B2.1.2", "C1.1.1"]) == "did you mean 'C1.1.1'?"


def test_after_the_first_words_none_is_answered_and_the_pool_is_read_only_when_asked():
    # each answer scans the pool: thousands of wrong codes in one file took minutes
    read = []

    def codes():
        read.append(True)
        yield from (f"P{i}" for i in range(1000))

    suggest = Suggestions(codes())
    assert read == []  # a file with no wrong word never reads the catalogue's codes
    answers = [suggest(f"P{i}x") for i in range(SUGGESTED_AT_MOST + 50)]
    assert read == [True]
    assert all(answers[:SUGGESTED_AT_MOST]) and not any(answers[SUGGESTED_AT_MOST:])
