"""Product catalogue API: build it here.

Read the brief for the full contract. The tests create the app with
``create_app({"some-token", ...})`` and talk to it over HTTP.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


def not_implemented() -> HTTPException:
    return HTTPException(status_code=501, detail="not implemented yet")


def create_app(api_tokens: set[str]) -> FastAPI:
    """Return a fresh app with its own empty, in-memory catalogue."""
    bearer = HTTPBearer(auto_error=False)

    def require_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        # TODO: reject the request with 401 (JSON body + `WWW-Authenticate: Bearer`) unless
        # `credentials` carries one of `api_tokens`.
        return None

    app = FastAPI(title="Product catalogue", dependencies=[Depends(require_token)])

    # TODO: storage for this app's products (a dict is fine; no database).

    @app.post("/products", status_code=201)
    def create_product(response: Response) -> dict[str, Any]:
        # TODO: validate the body, store the product, set the Location header.
        raise not_implemented()

    @app.get("/products")
    def list_products() -> dict[str, Any]:
        # TODO: pagination (limit, offset), filters (tag, min_price, max_price, q), sort.
        raise not_implemented()

    @app.get("/products/{product_id}")
    def get_product(product_id: int) -> dict[str, Any]:
        raise not_implemented()

    @app.patch("/products/{product_id}")
    def update_product(product_id: int) -> dict[str, Any]:
        raise not_implemented()

    @app.delete("/products/{product_id}", status_code=204)
    def delete_product(product_id: int) -> Response:
        raise not_implemented()

    return app
