"""The words of the command language (bot.commands.words) and the dates (bot.dates): COMMANDS.md, "Words"."""

from datetime import date

import pytest

from bot.commands.words import Token, parse_staff_ref, take_date, tokenize
from bot.dates import ParseError, parse_absolute_date, parse_date

TODAY = date(2026, 3, 2)  # a Monday


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


# --------------------------------------------------------------------------------------------------
# tokenize
# --------------------------------------------------------------------------------------------------


class TestTokenizeBasics:
    def test_empty_and_blank(self) -> None:
        assert tokenize("") == []
        assert tokenize("   \t\n ") == []

    def test_splits_on_any_whitespace_and_ignores_the_ends(self) -> None:
        assert tokenize("  pupil\tshow \n ava  ") == [Token("pupil"), Token("show"), Token("ava")]

    def test_non_breaking_space_separates_words(self) -> None:
        # Teams sends &nbsp; between words.
        assert words("pupil\u00a0show ava") == ["pupil", "show", "ava"]

    def test_case_is_kept_in_words(self) -> None:
        assert words("Pupil SHOW Ava") == ["Pupil", "SHOW", "Ava"]


class TestTokenizeQuotes:
    def test_double_quotes_group_words(self) -> None:
        assert tokenize('pupil add "Ava Smith" year:3') == [
            Token("pupil"),
            Token("add"),
            Token("Ava Smith", quoted=True),
            Token("3", key="year"),
        ]

    def test_curly_double_quotes(self) -> None:
        assert tokenize("show “Ava Smith”") == [Token("show"), Token("Ava Smith", quoted=True)]

    def test_mismatched_curly_double_quotes_still_close(self) -> None:
        # Autocorrect sometimes produces the same curly quote at both ends.
        assert tokenize("”Ava Smith”") == [Token("Ava Smith", quoted=True)]
        assert tokenize('“Ava Smith"') == [Token("Ava Smith", quoted=True)]

    def test_single_quotes_group_words(self) -> None:
        assert tokenize("show 'Ava Smith' now") == [Token("show"), Token("Ava Smith", quoted=True), Token("now")]

    def test_curly_single_quotes(self) -> None:
        assert tokenize("show ‘Ava Smith’") == [Token("show"), Token("Ava Smith", quoted=True)]

    def test_apostrophe_inside_a_word_stays(self) -> None:
        assert tokenize("show O'Brien") == [Token("show"), Token("O'Brien")]
        assert tokenize("show O’Brien") == [Token("show"), Token("O’Brien")]

    def test_apostrophe_inside_a_single_quoted_group(self) -> None:
        assert tokenize("show 'Liam O'Brien' now") == [Token("show"), Token("Liam O'Brien", quoted=True), Token("now")]
        assert tokenize("‘Liam O’Brien’") == [Token("Liam O’Brien", quoted=True)]

    def test_apostrophe_inside_a_double_quoted_group(self) -> None:
        assert tokenize('"Liam O\'Brien"') == [Token("Liam O'Brien", quoted=True)]

    def test_possessive_apostrophe_at_word_end_stays(self) -> None:
        assert words("James' mum") == ["James'", "mum"]

    def test_single_quoted_group_closed_before_punctuation(self) -> None:
        assert tokenize("'Ava Smith',") == [Token("Ava Smith", quoted=True), Token(",")]

    def test_empty_quotes_are_an_empty_quoted_word(self) -> None:
        assert tokenize('add "" x') == [Token("add"), Token("", quoted=True), Token("x")]

    def test_quoted_text_is_not_an_option(self) -> None:
        assert tokenize('"year:3"') == [Token("year:3", quoted=True)]

    def test_spaces_inside_quotes_are_kept(self) -> None:
        assert tokenize('"  Ava   Smith "') == [Token("  Ava   Smith ", quoted=True)]

    def test_closing_quote_ends_the_word(self) -> None:
        assert tokenize('"Ava Smith"x') == [Token("Ava Smith", quoted=True), Token("x")]

    def test_double_quote_inside_a_word_is_literal(self) -> None:
        assert tokenize('5" ruler') == [Token('5"'), Token("ruler")]

    @pytest.mark.parametrize("text", ['show "Ava Smith', "show “Ava Smith", "show 'Ava Smith", 'note:"met with mum'])
    def test_unterminated_quote_is_refused(self, text: str) -> None:
        with pytest.raises(ParseError, match="no closing quote"):
            tokenize(text)

    def test_unterminated_quote_message_shows_where(self) -> None:
        with pytest.raises(ParseError) as info:
            tokenize('pupil add "Ava Smith year:3')
        assert '"Ava Smith year:3' in str(info.value)

    def test_apostrophes_never_count_as_an_unclosed_quote(self) -> None:
        # Only a quote at the start of a word opens a group.
        assert words("it's Ava's O'Brien") == ["it's", "Ava's", "O'Brien"]


class TestTokenizeOptions:
    def test_simple_option(self) -> None:
        assert tokenize("year:3") == [Token("3", key="year")]

    def test_key_is_lower_cased_value_is_not(self) -> None:
        assert tokenize("Class:Oak") == [Token("Oak", key="class")]

    def test_quoted_option_value(self) -> None:
        assert tokenize('note:"met with mum and SALT"') == [Token("met with mum and SALT", quoted=True, key="note")]

    def test_curly_and_single_quoted_option_values(self) -> None:
        assert tokenize("with:“Mrs Jones”") == [Token("Mrs Jones", quoted=True, key="with")]
        assert tokenize("with:'Mrs O'Neill'") == [Token("Mrs O'Neill", quoted=True, key="with")]

    def test_hyphenated_key_and_value_with_colon(self) -> None:
        assert tokenize("reminder-time:08:00") == [Token("08:00", key="reminder-time")]

    def test_time_is_a_plain_word(self) -> None:
        assert tokenize("08:00") == [Token("08:00")]

    def test_url_is_a_plain_word(self) -> None:
        assert tokenize("https://example.org/x") == [Token("https://example.org/x")]

    def test_empty_option_value(self) -> None:
        assert tokenize("note:") == [Token("", key="note")]
        assert tokenize('note:""') == [Token("", quoted=True, key="note")]

    def test_apostrophe_in_an_unquoted_option_value(self) -> None:
        assert tokenize("with:O'Brien") == [Token("O'Brien", key="with")]

    def test_option_among_words(self) -> None:
        assert tokenize('intervention add ava "reading" review:+6w staff:@bob') == [
            Token("intervention"),
            Token("add"),
            Token("ava"),
            Token("reading", quoted=True),
            Token("+6w", key="review"),
            Token("@bob", key="staff"),
        ]

    def test_mention_as_an_option_value(self) -> None:
        assert tokenize("teacher:<@U123ABC|alice smith> x") == [
            Token("<@U123ABC|alice smith>", key="teacher"),
            Token("x"),
        ]

    def test_key_must_start_with_a_letter(self) -> None:
        assert tokenize("-x:1") == [Token("-x:1")]


class TestTokenizeMentions:
    def test_plain_mention(self) -> None:
        assert tokenize("senco appointed <@U123ABC> today") == [
            Token("senco"),
            Token("appointed"),
            Token("<@U123ABC>"),
            Token("today"),
        ]

    def test_mention_with_label_containing_spaces(self) -> None:
        assert words("staff add <@U123ABC|alice smith> role:senco") == [
            "staff",
            "add",
            "<@U123ABC|alice smith>",
            "senco",
        ]

    def test_channel_reference_with_spaces(self) -> None:
        assert tokenize("settings reminders-channel:<#C123|sen team> x") == [
            Token("settings"),
            Token("<#C123|sen team>", key="reminders-channel"),
            Token("x"),
        ]
        assert words("<#C123|sen team>") == ["<#C123|sen team>"]

    def test_mention_without_closing_bracket_is_split_as_words(self) -> None:
        assert words("<@U1|alice smith") == ["<@U1|alice", "smith"]

    def test_angle_bracket_word_that_is_not_a_mention(self) -> None:
        assert words("help <pupil> now") == ["help", "<pupil>", "now"]


# --------------------------------------------------------------------------------------------------
# parse_date
# --------------------------------------------------------------------------------------------------


class TestParseDateAbsolute:
    @pytest.mark.parametrize(
        "text",
        [
            "2026-03-12",
            "2026-3-12",
            "2026/03/12",
            "12/03/2026",
            "12/3/2026",
            "12/3/26",
            "12/03/26",
            "12-03-2026",
            "12.03.2026",
            "12.3.26",
            "12 Mar 2026",
            "12 mar 2026",
            "12 MAR 2026",
            "12 March 2026",
            "12 march 2026",
            "12th March 2026",
            "12TH march 2026",
            "12 Mar. 2026",
            "12 March, 2026",
            "12th of March 2026",
            "12-Mar-2026",
            "12-Mar-26",
            "  12   March  2026 ",
        ],
    )
    def test_forms_of_12_march_2026(self, text: str) -> None:
        assert parse_date(text, TODAY) == date(2026, 3, 12)

    def test_day_before_month_always(self) -> None:
        assert parse_date("03/12/2026", TODAY) == date(2026, 12, 3)
        assert parse_date("01/02/2026", TODAY) == date(2026, 2, 1)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1st Jan 2027", date(2027, 1, 1)),
            ("2nd Feb 2027", date(2027, 2, 2)),
            ("3rd Apr 2027", date(2027, 4, 3)),
            ("4 Jun 2027", date(2027, 6, 4)),
            ("5 July 2027", date(2027, 7, 5)),
            ("6 Aug 2027", date(2027, 8, 6)),
            ("7 Sep 2027", date(2027, 9, 7)),
            ("7 Sept 2027", date(2027, 9, 7)),
            ("7 September 2027", date(2027, 9, 7)),
            ("8 Oct 2027", date(2027, 10, 8)),
            ("9 Nov 2027", date(2027, 11, 9)),
            ("10 December 2027", date(2027, 12, 10)),
            ("29 Feb 2028", date(2028, 2, 29)),
            ("31/12/99", date(2099, 12, 31)),
            ("01/01/00", date(2000, 1, 1)),
        ],
    )
    def test_month_names_and_years(self, text: str, expected: date) -> None:
        assert parse_date(text, TODAY) == expected

    def test_two_digit_year_is_this_century(self) -> None:
        assert parse_date("5/9/15", TODAY) == date(2015, 9, 5)

    def test_absolute_dates_do_not_depend_on_today(self) -> None:
        assert parse_date("12/03/2026", date(2000, 1, 1)) == parse_date("12/03/2026", date(2030, 6, 6))


class TestParseDateImpossible:
    def test_31_february_refused_with_month_length(self) -> None:
        with pytest.raises(ParseError) as info:
            parse_date("31/02/2026", TODAY)
        assert str(info.value) == "31/02/2026 is not a real date: February 2026 has 28 days."

    def test_29_february_in_a_common_year(self) -> None:
        with pytest.raises(ParseError, match="February 2027 has 28 days"):
            parse_date("29 Feb 2027", TODAY)

    def test_31_april(self) -> None:
        with pytest.raises(ParseError, match="April 2026 has 30 days"):
            parse_date("2026-04-31", TODAY)

    def test_month_13_mentions_day_first(self) -> None:
        with pytest.raises(ParseError) as info:
            parse_date("03/25/2026", TODAY)
        assert "there is no month 25" in str(info.value)
        assert "day comes first" in str(info.value)

    def test_day_zero(self) -> None:
        with pytest.raises(ParseError, match="there is no day 0"):
            parse_date("00/03/2026", TODAY)

    def test_month_zero(self) -> None:
        with pytest.raises(ParseError, match="there is no month 0"):
            parse_date("2026-00-10", TODAY)

    def test_year_zero(self) -> None:
        with pytest.raises(ParseError, match="no year 0"):
            parse_date("0000-01-01", TODAY)

    def test_32_march_with_name(self) -> None:
        with pytest.raises(ParseError, match="March 2026 has 31 days"):
            parse_date("32 March 2026", TODAY)

    def test_impossible_day_without_year(self) -> None:
        with pytest.raises(ParseError, match="April has 30 days"):
            parse_date("31 April", TODAY)
        with pytest.raises(ParseError, match="February has 29 days"):
            parse_date("30 Feb", TODAY)


class TestParseDateWithoutYear:
    def test_later_this_year(self) -> None:
        assert parse_date("12 March", TODAY) == date(2026, 3, 12)
        assert parse_date("12 Mar", TODAY) == date(2026, 3, 12)
        assert parse_date("12th march", TODAY) == date(2026, 3, 12)

    def test_today_itself_counts(self) -> None:
        assert parse_date("2 March", TODAY) == TODAY

    def test_already_passed_means_next_year(self) -> None:
        assert parse_date("1 March", TODAY) == date(2027, 3, 1)
        assert parse_date("25 Dec", date(2026, 12, 26)) == date(2027, 12, 25)

    def test_29_february_waits_for_a_leap_year(self) -> None:
        assert parse_date("29 Feb", TODAY) == date(2028, 2, 29)
        assert parse_date("29 Feb", date(2028, 1, 10)) == date(2028, 2, 29)

    def test_day_and_month_numbers(self) -> None:
        assert parse_date("12/3", TODAY) == date(2026, 3, 12)
        assert parse_date("1/3", TODAY) == date(2027, 3, 1)


class TestParseDateRelative:
    def test_words(self) -> None:
        assert parse_date("today", TODAY) == TODAY
        assert parse_date("Today", TODAY) == TODAY
        assert parse_date("yesterday", TODAY) == date(2026, 3, 1)
        assert parse_date("TOMORROW", TODAY) == date(2026, 3, 3)

    def test_yesterday_and_tomorrow_cross_month_and_year_ends(self) -> None:
        assert parse_date("yesterday", date(2026, 1, 1)) == date(2025, 12, 31)
        assert parse_date("tomorrow", date(2026, 2, 28)) == date(2026, 3, 1)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("+10d", date(2026, 3, 12)),
            ("+0d", TODAY),
            ("-3d", date(2026, 2, 27)),
            ("+6w", date(2026, 4, 13)),
            ("-2w", date(2026, 2, 16)),
            ("+3m", date(2026, 6, 2)),
            ("-1m", date(2026, 2, 2)),
            ("+1y", date(2027, 3, 2)),
            ("+10D", date(2026, 3, 12)),
            ("+6W", date(2026, 4, 13)),
            ("+2 weeks", date(2026, 3, 16)),
            ("+3days", date(2026, 3, 5)),
            ("+1 month", date(2026, 4, 2)),
        ],
    )
    def test_offsets(self, text: str, expected: date) -> None:
        assert parse_date(text, TODAY) == expected

    def test_months_are_calendar_months_clamped_to_the_month_end(self) -> None:
        assert parse_date("+1m", date(2026, 1, 31)) == date(2026, 2, 28)
        assert parse_date("+1m", date(2028, 1, 31)) == date(2028, 2, 29)
        assert parse_date("-1m", date(2026, 3, 31)) == date(2026, 2, 28)
        assert parse_date("+3m", date(2025, 11, 30)) == date(2026, 2, 28)
        assert parse_date("+1m", date(2026, 12, 15)) == date(2027, 1, 15)
        assert parse_date("+1y", date(2028, 2, 29)) == date(2029, 2, 28)

    def test_days_and_weeks_cross_month_ends(self) -> None:
        assert parse_date("+10d", date(2026, 2, 25)) == date(2026, 3, 7)
        assert parse_date("-2w", date(2026, 3, 5)) == date(2026, 2, 19)

    def test_unsigned_offset_is_not_a_date(self) -> None:
        with pytest.raises(ParseError, match="can't read '10d'"):
            parse_date("10d", TODAY)

    def test_offset_out_of_range(self) -> None:
        with pytest.raises(ParseError, match="too far"):
            parse_date("+99999y", TODAY)


class TestParseDateUnreadable:
    @pytest.mark.parametrize(
        "text", ["fred", "12", "March 12 2026", "2026", "12/03/2026x", "+d", "next week", "12 Mar 202", "1/2/3"]
    )
    def test_refused_naming_the_forms(self, text: str) -> None:
        with pytest.raises(ParseError) as info:
            parse_date(text, TODAY)
        message = str(info.value)
        assert f"I can't read '{text}' as a date" in message
        assert "2026-03-12" in message and "12/03/2026" in message and "+2w" in message

    def test_exact_message(self) -> None:
        with pytest.raises(ParseError) as info:
            parse_date("fred", TODAY)
        assert str(info.value) == (
            "I can't read 'fred' as a date. Try 2026-03-12, 12/03/2026, 12 Mar 2026, today, +2w or -3d."
        )

    def test_misspelt_month_is_named(self) -> None:
        with pytest.raises(ParseError, match="'marhc' is not a month"):
            parse_date("12 Marhc 2026", TODAY)

    def test_empty(self) -> None:
        with pytest.raises(ParseError, match="date is missing"):
            parse_date("  ", TODAY)

    def test_other_scripts_digits_are_not_accepted(self) -> None:
        with pytest.raises(ParseError):
            parse_date("١٢/٠٣/٢٠٢٦", TODAY)


class TestParseAbsoluteDate:
    def test_full_dates(self) -> None:
        assert parse_absolute_date("2026-03-12") == date(2026, 3, 12)
        assert parse_absolute_date("12/03/2026") == date(2026, 3, 12)
        assert parse_absolute_date("12 Mar 2026") == date(2026, 3, 12)

    @pytest.mark.parametrize("text", ["today", "+2w", "12 March", "12/3"])
    def test_dates_needing_today_are_refused(self, text: str) -> None:
        with pytest.raises(ParseError, match="full date with its year"):
            parse_absolute_date(text)

    def test_impossible(self) -> None:
        with pytest.raises(ParseError, match="February 2026 has 28 days"):
            parse_absolute_date("31/02/2026")


# --------------------------------------------------------------------------------------------------
# take_date
# --------------------------------------------------------------------------------------------------


class TestTakeDate:
    def test_three_words(self) -> None:
        tokens = tokenize("support start ava 12 Mar 2026 x")
        assert take_date(tokens, 3, TODAY) == (date(2026, 3, 12), 3)

    def test_two_words(self) -> None:
        tokens = tokenize("meeting ava 12 March with:mum")
        assert take_date(tokens, 2, TODAY) == (date(2026, 3, 12), 2)

    def test_one_word(self) -> None:
        tokens = tokenize("meeting ava 12/03/2026 2026")
        assert take_date(tokens, 2, TODAY) == (date(2026, 3, 12), 1)

    def test_relative_one_word(self) -> None:
        assert take_date(tokenize("+2w"), 0, TODAY) == (date(2026, 3, 16), 1)

    def test_quoted_token(self) -> None:
        tokens = tokenize('meeting ava "12 Mar 2026" extra')
        assert take_date(tokens, 2, TODAY) == (date(2026, 3, 12), 1)

    def test_quoted_tokens_are_not_joined(self) -> None:
        tokens = [Token("12"), Token("Mar", quoted=True), Token("2026")]
        with pytest.raises(ParseError, match="can't read '12' as a date"):
            take_date(tokens, 0, TODAY)

    def test_two_dates_in_a_row(self) -> None:
        tokens = tokenize('term add "Spring" 5 Jan 2026 27 Mar 2026')
        first, used = take_date(tokens, 3, TODAY)
        assert (first, used) == (date(2026, 1, 5), 3)
        assert take_date(tokens, 3 + used, TODAY) == (date(2026, 3, 27), 3)

    def test_short_year_does_not_swallow_the_next_date(self) -> None:
        tokens = tokenize("5 Jan 27 Mar")
        first, used = take_date(tokens, 0, TODAY)
        assert (first, used) == (date(2027, 1, 5), 2)
        assert take_date(tokens, used, TODAY) == (date(2026, 3, 27), 2)

    def test_options_are_never_consumed(self) -> None:
        tokens = tokenize("12 Mar year:2026")
        assert take_date(tokens, 0, TODAY) == (date(2026, 3, 12), 2)

    def test_option_where_the_date_should_be(self) -> None:
        with pytest.raises(ParseError, match="date is missing before review:2026-03-01"):
            take_date(tokenize("review:2026-03-01"), 0, TODAY)

    def test_missing(self) -> None:
        with pytest.raises(ParseError, match="date is missing"):
            take_date(tokenize("support start ava"), 3, TODAY)
        with pytest.raises(ParseError, match="date is missing"):
            take_date([], 0, TODAY)

    def test_not_a_date(self) -> None:
        with pytest.raises(ParseError, match="can't read 'fred' as a date"):
            take_date(tokenize("fred 12 Mar"), 0, TODAY)

    def test_impossible_three_word_date_is_refused_not_shortened(self) -> None:
        with pytest.raises(ParseError, match="February 2026 has 28 days"):
            take_date(tokenize("31 Feb 2026"), 0, TODAY)

    def test_misspelt_month_error_names_both_words(self) -> None:
        with pytest.raises(ParseError) as info:
            take_date(tokenize("12 Marhc 2026"), 0, TODAY)
        assert "'12 Marhc'" in str(info.value)
        assert "'marhc' is not a month" in str(info.value)

    def test_words_after_the_date_are_left(self) -> None:
        tokens = tokenize("assessment decided ava 12 Mar 2026 refuse")
        assert take_date(tokens, 3, TODAY) == (date(2026, 3, 12), 3)
        assert tokens[6] == Token("refuse")


# --------------------------------------------------------------------------------------------------
# parse_staff_ref
# --------------------------------------------------------------------------------------------------


class TestParseStaffRef:
    def test_slack_mention(self) -> None:
        assert parse_staff_ref("<@U123ABC>") == ("U123ABC", None)

    def test_slack_mention_with_label(self) -> None:
        assert parse_staff_ref("<@U123ABC|alice>") == ("U123ABC", "alice")
        assert parse_staff_ref("<@U123ABC|alice smith>") == ("U123ABC", "alice smith")

    def test_slack_mention_with_empty_label(self) -> None:
        assert parse_staff_ref("<@U123ABC|>") == ("U123ABC", None)

    def test_at_handle_and_plain_handle(self) -> None:
        assert parse_staff_ref("@alice") == ("alice", None)
        assert parse_staff_ref("alice") == ("alice", None)

    def test_whitespace_is_stripped(self) -> None:
        assert parse_staff_ref("  @alice ") == ("alice", None)
        assert parse_staff_ref(" <@U1> ") == ("U1", None)

    def test_from_the_tokenizer(self) -> None:
        (token,) = tokenize("<@U123ABC|alice smith>")
        assert parse_staff_ref(token.text) == ("U123ABC", "alice smith")

    @pytest.mark.parametrize("text", ["", "   "])
    def test_empty_refused(self, text: str) -> None:
        with pytest.raises(ParseError, match="staff member is missing"):
            parse_staff_ref(text)

    def test_bare_at_refused(self) -> None:
        with pytest.raises(ParseError, match="not a person"):
            parse_staff_ref("@")

    def test_channel_refused(self) -> None:
        with pytest.raises(ParseError, match="is a channel, not a person"):
            parse_staff_ref("<#C123|general>")

    def test_group_mention_refused(self) -> None:
        with pytest.raises(ParseError, match="group mention"):
            parse_staff_ref("<!here>")

    def test_broken_mention_refused(self) -> None:
        with pytest.raises(ParseError, match="can't read <@> as a person"):
            parse_staff_ref("<@>")


def test_the_canonical_mention_token_carries_any_surfaces_id() -> None:
    """bot.surface.mention is what every adapter rewrites its mentions into (Teams ids hold a colon)."""
    from bot.surface import in_prefix, mention

    token = mention("29:1AbCdEf", "Sue Jones")
    assert token == "<@29:1AbCdEf|Sue Jones>"
    assert [t.text for t in tokenize(f"staff add {token} role:senco")] == ["staff", "add", token, "senco"]
    assert parse_staff_ref(token) == ("29:1AbCdEf", "Sue Jones")  # exact case kept
    assert in_prefix("Type /sen help, or /sen due week.", "@sendbot") == "Type @sendbot help, or @sendbot due week."
    assert in_prefix("see docs/sen reminders", "@sendbot") == "see docs/sen reminders"
