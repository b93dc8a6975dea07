"""The bench's fixed reference: a stock FastAPI app with one ``async def`` health check.

bench/run.py serves it with uvicorn on asyncio and h11 (what a plain ``pip install uvicorn``
runs), whatever csguide itself moves to, so that "search req/s ÷ this app's req/s" measures
our whole stack against a yardstick that stays put.
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
