import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from text_helpers import chain, picture_bytes

from campaign.errors import DomainError
from contributions.decisions import image_submission_decide
from contributions.models import ImageSubmission
from texttasks.edits import text_submission_update
from texttasks.imports import ImportProblem, pool_images_import
from texttasks.models import PoolImage
from texttasks.pool import pool_add_accepted_images
from texttasks.prompts import generation_chain_create

pytestmark = pytest.mark.django_db


def test_folder_import_with_metadata_is_idempotent(pool, tmp_path):
    assert [sorted(p.countries.values_list("code", flat=True)) for p in pool] == [["TH"], ["TH"], ["ID"]]

    result = pool_images_import(path=tmp_path / "pool")

    assert (result.created, result.unchanged) == (0, 3)
    assert PoolImage.objects.count() == 3


def test_parquet_of_the_published_set_and_unknown_countries(tmp_path):
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    table = pa.table({
        "id": ["a1", "a2"],
        "image": pa.array([{"bytes": picture_bytes(1), "path": None}, {"bytes": picture_bytes(2), "path": None}], type=image_type),
        "caption": ["Pho on a street stall.", "A longtail boat."],
        "culture_relevant_loc": ["Vietnam", "Thailand,Laos"],
    })  # fmt: skip
    pq.write_table(table, tmp_path / "seavl.parquet")

    pool_images_import(path=tmp_path / "seavl.parquet")

    assert sorted(PoolImage.objects.get(source_ref="a2").countries.values_list("code", flat=True)) == [
        "LA",
        "TH",
    ]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.jpg").write_bytes(picture_bytes(3))
    (bad / "metadata.jsonl").write_text(
        json.dumps({"file_name": "x.jpg", "culture_relevant_loc": "Atlantis"})
    )
    with pytest.raises(ImportProblem, match="line 1: unknown countries Atlantis"):
        pool_images_import(path=bad)
    with pytest.raises(CommandError, match="give a metadata file"):
        call_command("import_pool_images", str(tmp_path), stderr=io.StringIO())


def test_accepted_task1_images_join_the_pool_once_and_are_served(client, make_user):
    author = make_user(country="PH")
    submission = ImageSubmission(
        contributor=author, description="Jeepney", native_language_code="fil", native_language_name="Filipino",
        license_confirmed_at=timezone.now(), status=ImageSubmission.Status.IN_REVIEW,
    )  # fmt: skip
    submission.original.save("x.jpg", ContentFile(picture_bytes(9)), save=False)
    submission.save()
    submission.countries.set(["PH"])
    image_submission_decide(submission_id=submission.pk, accepted=True)

    assert pool_add_accepted_images() == 1
    assert pool_add_accepted_images() == 0
    pooled = PoolImage.objects.get(image_submission=submission)
    assert list(pooled.countries.values_list("code", flat=True)) == ["PH"] and pooled.caption == "Jeepney"
    client.force_login(make_user())
    response = client.get(f"/visual-questions/images/{pooled.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == picture_bytes(9)


def test_editing_one_level_keeps_the_chain_building_up(make_user):
    user = make_user()
    levels = generation_chain_create(
        user=user,
        country_code="ID",
        levels=chain("bajigur"),
    )

    with pytest.raises(DomainError, match="Level 2 must add detail"):
        text_submission_update(
            user=user, task_number=5, submission_id=levels[1].pk, fields={"text": "Draw cendol."}
        )
