"""Reading term dates from .csv and .ics files (``sendbot terms import FILE``)."""

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.calendar import Term
from bot.dates import ParseError
from bot.term_import import read_terms_file


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def ics_file(tmp_path: Path, events: list[dict[str, object]], name: str = "terms.ics") -> Path:
    """An .ics file built with icalendar itself; each dict maps property names to values."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//sendbot tests//EN")
    cal.add("version", "2.0")
    for number, props in enumerate(events):
        event = icalendar.Event()
        event.add("uid", f"event-{number}@test")
        for key, value in props.items():
            event.add(key, value)
        cal.add_component(event)
    path = tmp_path / name
    path.write_bytes(cal.to_ical())
    return path


# --------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------


class TestCsv:
    def test_reads_terms_sorted_by_start(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "terms.csv",
            "name,start,end\n"
            "Spring 2026,2026-01-05,2026-03-27\n"
            "Autumn 2025,03/09/2025,19/12/2025\n"
            "Summer 2026,13/04/2026,2026-07-22\n",
        )
        assert read_terms_file(path) == [
            Term(date(2025, 9, 3), date(2025, 12, 19), "Autumn 2025", estimated=False),
            Term(date(2026, 1, 5), date(2026, 3, 27), "Spring 2026", estimated=False),
            Term(date(2026, 4, 13), date(2026, 7, 22), "Summer 2026", estimated=False),
        ]

    def test_terms_are_not_estimated(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nAutumn,2025-09-03,2025-12-19\n")
        assert all(not t.estimated for t in read_terms_file(path))

    def test_header_is_case_insensitive_and_columns_may_be_reordered_or_extra(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "t.csv",
            " End , NOTES,Start,NAME\n19/12/2025,first term,03/09/2025,Autumn 2025\n",
        )
        assert read_terms_file(path) == [Term(date(2025, 9, 3), date(2025, 12, 19), "Autumn 2025")]

    def test_uppercase_extension(self, tmp_path: Path) -> None:
        path = write(tmp_path, "TERMS.CSV", "name,start,end\nAutumn,2025-09-03,2025-12-19\n")
        assert len(read_terms_file(path)) == 1

    def test_excel_bom_crlf_blank_rows_and_quoted_names(self, tmp_path: Path) -> None:
        text = '\ufeffName,Start,End\r\n"Autumn, first half",2025-09-03,2025-10-24\r\n,,\r\n\r\n'
        path = write(tmp_path, "t.csv", text)
        assert read_terms_file(path) == [Term(date(2025, 9, 3), date(2025, 10, 24), "Autumn, first half")]

    def test_cp1252_file(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nAutumn – first,2025-09-03,2025-10-24\n", encoding="cp1252")
        assert read_terms_file(path)[0].name == "Autumn – first"

    def test_semicolon_separated(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name;start;end\nAutumn;03/09/2025;19/12/2025\n")
        assert read_terms_file(path) == [Term(date(2025, 9, 3), date(2025, 12, 19), "Autumn")]

    def test_named_month_dates_and_one_day_term(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nTaster,1 Sep 2025,1 September 2025\n")
        assert read_terms_file(path) == [Term(date(2025, 9, 1), date(2025, 9, 1), "Taster")]

    def test_end_before_start(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "t.csv",
            "name,start,end\nAutumn,2025-09-03,2025-12-19\nSpring,2026-02-01,2026-01-01\n",
        )
        with pytest.raises(ParseError) as info:
            read_terms_file(path)
        assert str(info.value) == "row 3: end 2026-01-01 is before start 2026-02-01."

    def test_impossible_date_names_the_row_and_column(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nSpring,31/02/2026,2026-03-27\n")
        with pytest.raises(ParseError) as info:
            read_terms_file(path)
        assert str(info.value) == "row 2: start: 31/02/2026 is not a real date: February 2026 has 28 days."

    def test_unreadable_date(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nSpring,2026-01-05,Easter\n")
        with pytest.raises(ParseError, match=r"row 2: end: I can't read 'Easter' as a date.*2026-03-12"):
            read_terms_file(path)

    def test_relative_date_refused(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nSpring,today,+2w\n")
        with pytest.raises(ParseError, match=r"row 2: start: .*full date with its year"):
            read_terms_file(path)

    def test_date_without_year_refused(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nSpring,5 Jan,27 Mar\n")
        with pytest.raises(ParseError, match=r"row 2: start: .*full date with its year"):
            read_terms_file(path)

    def test_empty_cell(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\nSpring,2026-01-05\n")
        with pytest.raises(ParseError, match="row 2: end is empty; expected a date such as 2026-01-05"):
            read_terms_file(path)

    def test_empty_name(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\n ,2026-01-05,2026-03-27\n")
        with pytest.raises(ParseError, match="row 2: the name is empty"):
            read_terms_file(path)

    def test_row_numbers_count_blank_lines(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\n\nAutumn,2025-09-03,2025-12-19\n\nSpring,x,2026-03-27\n")
        with pytest.raises(ParseError, match=r"^row 5: start"):
            read_terms_file(path)

    def test_missing_header_columns(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "term,start,finish\nAutumn,2025-09-03,2025-12-19\n")
        with pytest.raises(ParseError) as info:
            read_terms_file(path)
        message = str(info.value)
        assert "row 1" in message
        assert "name, start and end" in message
        assert "name, end are missing" in message
        assert "found: term, start, finish" in message

    def test_no_header(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "Autumn,2025-09-03,2025-12-19\n")
        with pytest.raises(ParseError, match="header naming the columns name, start and end"):
            read_terms_file(path)

    def test_empty_file(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "")
        with pytest.raises(ParseError, match="empty"):
            read_terms_file(path)

    def test_header_only(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.csv", "name,start,end\n")
        with pytest.raises(ParseError, match=r"t\.csv has no terms"):
            read_terms_file(path)

    def test_overlapping_terms_refused_naming_both_rows(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "t.csv",
            "name,start,end\nAutumn,2025-09-03,2025-12-19\nSpring,2025-12-19,2026-03-27\n",
        )
        with pytest.raises(ParseError) as info:
            read_terms_file(path)
        message = str(info.value)
        assert "row 3 (Spring)" in message and "row 2 (Autumn)" in message and "may not overlap" in message

    def test_adjacent_terms_are_fine(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "t.csv",
            "name,start,end\nAutumn 1,2025-09-03,2025-10-24\nAutumn 2,2025-10-25,2025-12-19\n",
        )
        assert [t.name for t in read_terms_file(path)] == ["Autumn 1", "Autumn 2"]


# --------------------------------------------------------------------------------------------------
# Files in general
# --------------------------------------------------------------------------------------------------


class TestFiles:
    @pytest.mark.parametrize("name", ["terms.xlsx", "terms.txt", "terms"])
    def test_unknown_extension(self, tmp_path: Path, name: str) -> None:
        path = write(tmp_path, name, "name,start,end\n")
        with pytest.raises(ParseError) as info:
            read_terms_file(path)
        assert ".csv" in str(info.value) and ".ics" in str(info.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ParseError, match=r"can't read .*nope\.csv"):
            read_terms_file(tmp_path / "nope.csv")


# --------------------------------------------------------------------------------------------------
# iCalendar
# --------------------------------------------------------------------------------------------------


class TestIcs:
    def test_all_day_events_with_exclusive_dtend(self, tmp_path: Path) -> None:
        path = ics_file(
            tmp_path,
            [
                {"summary": "Spring Term", "dtstart": date(2026, 1, 5), "dtend": date(2026, 3, 28)},
                {"summary": "Autumn Term", "dtstart": date(2025, 9, 3), "dtend": date(2025, 12, 20)},
            ],
        )
        assert read_terms_file(path) == [
            Term(date(2025, 9, 3), date(2025, 12, 19), "Autumn Term", estimated=False),
            Term(date(2026, 1, 5), date(2026, 3, 27), "Spring Term", estimated=False),
        ]

    def test_missing_dtend_is_one_day(self, tmp_path: Path) -> None:
        path = ics_file(tmp_path, [{"summary": "Summer Term", "dtstart": date(2026, 4, 13)}])
        assert read_terms_file(path) == [Term(date(2026, 4, 13), date(2026, 4, 13), "Summer Term")]

    def test_dtend_equal_to_dtstart_is_one_day(self, tmp_path: Path) -> None:
        path = ics_file(tmp_path, [{"summary": "Taster", "dtstart": date(2026, 4, 13), "dtend": date(2026, 4, 13)}])
        assert read_terms_file(path) == [Term(date(2026, 4, 13), date(2026, 4, 13), "Taster")]

    def test_duration_instead_of_dtend(self, tmp_path: Path) -> None:
        path = ics_file(
            tmp_path, [{"summary": "Summer 1", "dtstart": date(2026, 4, 13), "duration": timedelta(days=5)}]
        )
        assert read_terms_file(path) == [Term(date(2026, 4, 13), date(2026, 4, 17), "Summer 1")]

    @pytest.mark.parametrize(
        "summary",
        [
            "Christmas Holiday",
            "Easter holidays",
            "Half Term",
            "October half-term",
            "Halfterm",
            "INSET day",
            "Inset",
            "School closure",
            "School closed",
            "Bank Holiday",
            "May Bank Holiday",
            "Summer break",
            "Staff training day",
        ],
    )
    def test_non_term_events_are_skipped(self, tmp_path: Path, summary: str) -> None:
        path = ics_file(
            tmp_path,
            [
                {"summary": "Autumn Term", "dtstart": date(2025, 9, 3), "dtend": date(2025, 12, 20)},
                # Overlaps the term: it would be refused as an overlap if it were not skipped.
                {"summary": summary, "dtstart": date(2025, 10, 27), "dtend": date(2025, 11, 1)},
            ],
        )
        assert [t.name for t in read_terms_file(path)] == ["Autumn Term"]

    def test_term_names_containing_term_words_are_kept(self, tmp_path: Path) -> None:
        path = ics_file(
            tmp_path,
            [
                {"summary": "Autumn term 1", "dtstart": date(2025, 9, 3), "dtend": date(2025, 10, 25)},
                {"summary": "Autumn term 2", "dtstart": date(2025, 11, 3), "dtend": date(2025, 12, 20)},
            ],
        )
        assert [t.name for t in read_terms_file(path)] == ["Autumn term 1", "Autumn term 2"]

    def test_timed_events_are_skipped(self, tmp_path: Path) -> None:
        path = ics_file(
            tmp_path,
            [
                {"summary": "Autumn Term", "dtstart": date(2025, 9, 3), "dtend": date(2025, 12, 20)},
                {
                    "summary": "Parents' evening",
                    "dtstart": datetime(2026, 2, 4, 18, 0),
                    "dtend": datetime(2026, 2, 4, 20, 0),
                },
                {"summary": "Trip", "dtstart": datetime(2026, 2, 5, 9, 0)},
            ],
        )
        assert [t.name for t in read_terms_file(path)] == ["Autumn Term"]

    def test_midnight_to_midnight_datetimes_count_as_whole_days(self, tmp_path: Path) -> None:
        london = ZoneInfo("Europe/London")
        path = ics_file(
            tmp_path,
            [
                {
                    "summary": "Spring Term",
                    "dtstart": datetime(2026, 1, 5, 0, 0, tzinfo=london),
                    "dtend": datetime(2026, 3, 28, 0, 0, tzinfo=london),
                },
                {
                    "summary": "Summer Term",
                    "dtstart": datetime(2026, 4, 13, 0, 0),
                    "dtend": datetime(2026, 7, 22, 23, 59, 59),
                },
            ],
        )
        assert read_terms_file(path) == [
            Term(date(2026, 1, 5), date(2026, 3, 27), "Spring Term"),
            Term(date(2026, 4, 13), date(2026, 7, 22), "Summer Term"),
        ]

    def test_cancelled_and_repeating_events_are_skipped(self, tmp_path: Path) -> None:
        path = ics_file(
            tmp_path,
            [
                {"summary": "Autumn Term", "dtstart": date(2025, 9, 3), "dtend": date(2025, 12, 20)},
                {
                    "summary": "Old Spring",
                    "dtstart": date(2026, 1, 5),
                    "dtend": date(2026, 3, 28),
                    "status": "CANCELLED",
                },
                {"summary": "Assembly", "dtstart": date(2025, 9, 8), "rrule": {"freq": "weekly"}},
            ],
        )
        assert [t.name for t in read_terms_file(path)] == ["Autumn Term"]

    def test_event_without_summary_gets_a_name(self, tmp_path: Path) -> None:
        path = ics_file(tmp_path, [{"dtstart": date(2025, 9, 3), "dtend": date(2025, 12, 20)}])
        assert read_terms_file(path) == [Term(date(2025, 9, 3), date(2025, 12, 19), "Term from 3 Sep 2025")]

    def test_literal_ics_text_with_folded_lines(self, tmp_path: Path) -> None:
        text = (
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            "PRODID:-//LA//Term dates//EN\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:a1\r\n"
            "SUMMARY:Autumn Term 2025 at Oakfield Primary School\r\n"
            "  (estimated by nobody)\r\n"
            "DTSTART;VALUE=DATE:20250903\r\n"
            "DTEND;VALUE=DATE:20251220\r\n"
            "END:VEVENT\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:a2\r\n"
            "SUMMARY:Christmas Holidays\r\n"
            "DTSTART;VALUE=DATE:20251220\r\n"
            "DTEND;VALUE=DATE:20260105\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n"
        )
        path = write(tmp_path, "la.ICS", text)
        assert read_terms_file(path) == [
            Term(
                date(2025, 9, 3),
                date(2025, 12, 19),
                "Autumn Term 2025 at Oakfield Primary School (estimated by nobody)",
            )
        ]

    def test_dtend_before_dtstart(self, tmp_path: Path) -> None:
        path = ics_file(tmp_path, [{"summary": "Spring", "dtstart": date(2026, 3, 1), "dtend": date(2026, 1, 5)}])
        with pytest.raises(ParseError) as info:
            read_terms_file(path)
        assert str(info.value) == 'event 1 ("Spring"): DTEND 2026-01-05 is before DTSTART 2026-03-01.'

    def test_unreadable_dtstart(self, tmp_path: Path) -> None:
        text = (
            "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
            "BEGIN:VEVENT\nUID:1\nSUMMARY:Spring\nDTSTART;VALUE=DATE:2026XX05\nEND:VEVENT\n"
            "END:VCALENDAR\n"
        )
        path = write(tmp_path, "t.ics", text)
        with pytest.raises(ParseError, match=r'event 1 \("Spring"\): DTSTART cannot be read'):
            read_terms_file(path)

    def test_missing_dtstart(self, tmp_path: Path) -> None:
        text = (
            "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:1\nSUMMARY:Spring\nEND:VEVENT\nEND:VCALENDAR\n"
        )
        path = write(tmp_path, "t.ics", text)
        with pytest.raises(ParseError, match=r'event 1 \("Spring"\): it has no DTSTART'):
            read_terms_file(path)

    def test_date_start_with_datetime_end(self, tmp_path: Path) -> None:
        path = ics_file(
            tmp_path, [{"summary": "Spring", "dtstart": date(2026, 1, 5), "dtend": datetime(2026, 3, 28, 0, 0)}]
        )
        with pytest.raises(ParseError, match="DTSTART is a date but DTEND is not"):
            read_terms_file(path)

    def test_overlapping_events_refused(self, tmp_path: Path) -> None:
        path = ics_file(
            tmp_path,
            [
                {"summary": "Autumn Term", "dtstart": date(2025, 9, 3), "dtend": date(2025, 12, 20)},
                {"summary": "Sports day", "dtstart": date(2025, 10, 8)},
            ],
        )
        with pytest.raises(ParseError) as info:
            read_terms_file(path)
        message = str(info.value)
        assert 'event 2 ("Sports day")' in message and 'event 1 ("Autumn Term")' in message
        assert "may not overlap" in message

    def test_not_an_ics_file(self, tmp_path: Path) -> None:
        path = write(tmp_path, "t.ics", "name,start,end\nAutumn,2025-09-03,2025-12-19\n")
        with pytest.raises(ParseError, match=r"not a readable iCalendar \(.ics\) file"):
            read_terms_file(path)

    def test_only_holidays(self, tmp_path: Path) -> None:
        path = ics_file(tmp_path, [{"summary": "Half term", "dtstart": date(2025, 10, 27), "dtend": date(2025, 11, 1)}])
        with pytest.raises(ParseError, match=r"terms\.ics has no terms in it"):
            read_terms_file(path)
