"""The searches in what auditors take away: the case history bundle's searches.csv and the
one-case dossier say which systems were searched, by whom, when, and with what result."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from requests_app.datamap import services
from requests_app.datamap.choices import SearchResult
from requests_app.datamap.models import DataSystem
from tests.conftest import client_for
from tests.requests_app.datamap.conftest import case_for
from tests.requests_app.exports.conftest import build
from tests.requests_app.exports.test_views import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def searched(staff: Any, manager: Any, contacts: dict[str, Any]) -> Any:
    case = case_for(staff, manager, "disclosure")
    found, nothing = services.searches_send(
        case=case,
        actor=staff,
        system_ids=[
            DataSystem.objects.get(name="顧客管理データベース").pk,
            DataSystem.objects.get(name="受注・請求記録").pk,
        ],
    )
    services.finding_add(
        task=found,
        actor=contacts["営業本部"],
        data=services.FindingData(
            category="基本情報", item="氏名", content="高橋 美咲", location="顧客DB"
        ),
    )
    for task, result, contact in (
        (found, SearchResult.FOUND, contacts["営業本部"]),
        (nothing, SearchResult.NOTHING_FOUND, contacts["経理部"]),
    ):
        services.task_answer(
            task=task,
            actor=contact,
            result=result,
            searched_on=timezone.localdate(),
            searched_how="氏名と生年月日で検索",
        )
    services.task_accept(task=found, actor=staff)
    return case


def test_the_bundle_lists_every_search_of_its_cases(manager: Any, searched: Any) -> None:
    export = build(manager, language="ja")
    with default_storage.open(export.file.name, "rb") as handle:
        bundle = zipfile.ZipFile(io.BytesIO(handle.read()))
    text = bundle.read("searches.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["受付番号", "システム", "部署"]
    by_system = {row[1]: row for row in rows[1:]}
    assert set(by_system) == {"顧客管理データベース", "受注・請求記録"}
    customer = by_system["顧客管理データベース"]
    assert customer[0] == searched.reference
    assert customer[4] == "受理済み"
    assert customer[9] == "中村 次郎"
    assert customer[11] == "該当あり" and customer[12] == "1"
    assert customer[14] == "山田 花子"
    assert by_system["受注・請求記録"][11] == "該当なし"
    manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["counts"]["searches"] == 2
    assert "searches.csv" in {entry["path"] for entry in manifest["files"]}


def test_the_dossier_shows_the_searches(manager: Any, searched: Any) -> None:
    response = client_for(manager, "en").get(
        reverse("requests_app:case_dossier", args=[searched.reference])
    )
    text = pdf_text(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert "Searches of the company's systems" in text
    assert "Customer database" in text and "Orders and invoices" in text
    # Names may break across lines in a narrow cell: compare without spaces.
    assert "中村次郎" in text.replace(" ", "") and "加藤守" in text.replace(" ", "")
    assert "Nothing found" in text and "Answer accepted" in text
