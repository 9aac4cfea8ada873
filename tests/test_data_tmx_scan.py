"""Tests of keras_attn.data.tmx.tmx_languages: the language scan the wizard offers from."""

import pytest

from keras_attn.data.tmx import tmx_languages
from keras_attn.errors import DataError


def write_tmx(tmp_path, units, head="", tail="</body></tmx>\n"):
    path = tmp_path / "memory.tmx"
    body = "".join(
        "<tu>"
        + "".join(f'<tuv xml:lang="{lang}"><seg>{text}</seg></tuv>' for lang, text in unit)
        + "</tu>\n"
        for unit in units
    )
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}<tmx version="1.4">'
        f'<header srclang="en"/><body>\n{body}{tail}',
        encoding="utf-8",
    )
    return path


def test_languages_in_order_of_appearance_once_each(tmp_path):
    """Each language once, as first written, in the order met; case does not split one."""
    path = write_tmx(
        tmp_path, [[("en", "a"), ("de-DE", "b")], [("EN", "c"), ("fr", "d"), ("de-de", "e")]]
    )
    assert tmx_languages(path) == ["en", "de-DE", "fr"]


def test_scan_stops_after_the_units_asked_for(tmp_path):
    """Languages of units after the first `units` are not looked at."""
    path = write_tmx(tmp_path, [[("en", "a"), ("de", "b")]] * 3 + [[("en", "c"), ("it", "d")]])
    assert tmx_languages(path, units=3) == ["en", "de"]
    assert tmx_languages(path, units=4) == ["en", "de", "it"]


def test_an_xml_error_keeps_what_was_found_before_it(tmp_path):
    """A file cut in the middle still offers the languages of its complete units."""
    path = write_tmx(tmp_path, [[("en", "a"), ("nl", "b")]], tail="<tu><tuv xml:lang=")
    assert tmx_languages(path) == ["en", "nl"]


def test_a_doctype_declaration_is_refused(tmp_path):
    """As when the file is read, a DOCTYPE (where entities are defined) is refused."""
    head = '<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa">]>\n'
    path = write_tmx(tmp_path, [[("en", "&a;"), ("de", "b")]], head=head)
    with pytest.raises(DataError, match=r"memory\.tmx: the file has a DOCTYPE declaration"):
        tmx_languages(path)


def test_a_missing_file_is_a_data_error_naming_it(tmp_path):
    with pytest.raises(DataError, match=r"nothing\.tmx: no such file"):
        tmx_languages(tmp_path / "nothing.tmx")
