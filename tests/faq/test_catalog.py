"""Edits reach every worker without a restart; content moves between files and database."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from core.faq import catalog as catalog_module
from core.faq.catalog import CatalogCache
from core.faq.content import export_files, import_entries
from core.faq.models import FaqEntry
from core.faq.schema import load_entries
from core.timeutil import utcnow


def test_an_edit_reaches_another_worker_without_a_restart(faq_loaded, monkeypatch):
    monkeypatch.setattr(catalog_module, "CHECK_EVERY_SECONDS", 0.0)
    worker_a, worker_b = CatalogCache(), CatalogCache()
    entry_id = "service-1131-what"
    assert "更新后的回答" not in worker_b.get(faq_loaded).entries[entry_id].answer
    row = faq_loaded.get(FaqEntry, entry_id)
    row.answer = "更新后的回答：" + row.answer[:100]
    row.updated_at = utcnow()
    faq_loaded.commit()
    assert worker_a.get(faq_loaded).entries[entry_id].answer.startswith("更新后的回答")
    assert worker_b.get(faq_loaded).entries[entry_id].answer.startswith("更新后的回答")


def test_an_answer_edit_keeps_the_index_and_a_new_phrasing_rebuilds_it(faq_loaded, monkeypatch):
    monkeypatch.setattr(catalog_module, "CHECK_EVERY_SECONDS", 0.0)
    worker = CatalogCache()
    before = worker.get(faq_loaded)
    row = faq_loaded.get(FaqEntry, "service-1131-what")
    row.answer = "更新后的回答：" + row.answer[:100]
    row.updated_at = utcnow()
    faq_loaded.commit()
    answer_edited = worker.get(faq_loaded)
    assert answer_edited is not before
    assert answer_edited.index is before.index

    row.similar = [*row.similar, "一幺幺三到底是个啥服务"]
    row.updated_at = utcnow()
    faq_loaded.commit()
    rephrased = worker.get(faq_loaded)
    assert rephrased.index is not before.index
    assert rephrased.index.search("一幺幺三到底是个啥服务").entries[0].entry_id == row.id


def test_import_is_idempotent_and_reports_changes(faq_loaded):
    entries = load_entries()
    assert import_entries(faq_loaded, entries) == (0, 0)
    entries[0].answer = entries[0].answer + "（更新）"
    assert import_entries(faq_loaded, entries) == (0, 1)


def test_export_writes_files_that_load_back_identically(faq_loaded, tmp_path):
    written = export_files(faq_loaded, tmp_path)
    assert written
    assert all(p.suffix == ".yaml" for p in written)
    exported = {e.id: e for e in load_entries(tmp_path)}
    for entry in load_entries():
        assert exported[entry.id].to_yaml_dict() == entry.to_yaml_dict()
        assert exported[entry.id].category == entry.category
    raw = yaml.safe_load(written[0].read_text(encoding="utf-8"))
    assert set(raw) == {"category", "entries"}


def test_first_start_loads_the_content(db_session, app):
    from core.startup import load_content

    assert load_content() >= 120
    assert load_content() == 0  # only once
    assert db_session.scalar(select(FaqEntry).limit(1)) is not None
