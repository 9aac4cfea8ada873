"""The app's display tables name every value of keras_attn.config's option lists, and
the choices it offers are those lists."""

from __future__ import annotations

from keras_attn import config


def test_tokenizer_tables_follow_the_configuration():
    from keras_attn_app.wizard import text_page

    assert tuple(text_page.TOKENIZER_NAMES) == config.TOKENIZERS
    assert tuple(text_page.TOKENIZER_UNITS) == config.TOKENIZER_KINDS
    for kind in config.TOKENIZER_KINDS:  # each row belongs to its value
        assert kind in text_page.TOKENIZER_UNITS[kind]
        assert text_page.TOKENIZER_UNITS[kind] in text_page.TOKENIZER_NAMES[kind].lower()


def test_text_page_offers_the_configuration_tokenizers(qtbot):
    from keras_attn_app.wizard.text_page import SideBox

    class Owner:
        data = capabilities = None

        @staticmethod
        def setting(key, default):
            return default

    box = SideBox("Source", "source", Owner())
    qtbot.addWidget(box)
    offered = tuple(box.tokenizer.itemData(i) for i in range(box.tokenizer.count()))
    assert offered == config.TOKENIZERS
    assert box.tokenizer.currentData() == "auto"
