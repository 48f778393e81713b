from ninja import Router

router = Router(tags=["text tasks"])
