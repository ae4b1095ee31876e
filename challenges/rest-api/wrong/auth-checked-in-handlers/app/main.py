"""Product catalogue API: an in-memory REST service built with FastAPI and pydantic v2."""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Sku = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{3,32}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,20}$")]
NonNegativeInt = Annotated[int, Field(ge=0)]
SortKey = Literal["id", "-id", "price", "-price", "name", "-name"]


class ProductCreate(BaseModel):
    """Body of POST /products. Unknown fields (including id) are rejected."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku
    name: Name
    price_cents: NonNegativeInt
    quantity: NonNegativeInt = 0
    tags: list[Tag] = Field(default_factory=list)


class ProductUpdate(BaseModel):
    """Body of PATCH /products/{id}: any subset of the writable fields, none of them null."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku | None = None
    name: Name | None = None
    price_cents: NonNegativeInt | None = None
    quantity: NonNegativeInt | None = None
    tags: list[Tag] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _reject_null(cls, value: Any) -> Any:
        # Defaults are not validated, so this only fires for an explicit JSON null.
        if value is None:
            raise ValueError("must not be null")
        return value


class Product(BaseModel):
    id: int
    sku: str
    name: str
    price_cents: int
    quantity: int
    tags: list[str]


class ProductPage(BaseModel):
    items: list[Product]
    total: int
    limit: int
    offset: int


class Catalogue:
    """In-memory storage: products by id, plus an index of skus for uniqueness checks."""

    def __init__(self) -> None:
        self._products: dict[int, Product] = {}
        self._ids_by_sku: dict[str, int] = {}
        self._last_id = 0

    def all(self) -> list[Product]:
        return list(self._products.values())

    def get(self, product_id: int) -> Product:
        try:
            return self._products[product_id]
        except KeyError:
            raise HTTPException(status_code=404, detail=f"product {product_id} not found") from None

    def _ensure_sku_free(self, sku: str) -> None:
        if sku in self._ids_by_sku:
            raise HTTPException(
                status_code=409, detail=f"a product with sku {sku!r} already exists"
            )

    def add(self, data: ProductCreate) -> Product:
        self._ensure_sku_free(data.sku)
        self._last_id += 1
        product = Product(id=self._last_id, **data.model_dump())
        self._products[product.id] = product
        self._ids_by_sku[product.sku] = product.id
        return product

    def update(self, product_id: int, changes: dict[str, Any]) -> Product:
        current = self.get(product_id)
        new_sku = changes.get("sku", current.sku)
        if new_sku != current.sku:
            self._ensure_sku_free(new_sku)
        updated = current.model_copy(update=changes)
        del self._ids_by_sku[current.sku]
        self._ids_by_sku[updated.sku] = product_id
        self._products[product_id] = updated
        return updated

    def remove(self, product_id: int) -> None:
        product = self.get(product_id)
        del self._products[product_id]
        del self._ids_by_sku[product.sku]


SORT_FIELDS: dict[str, Callable[[Product], Any]] = {
    "id": lambda p: p.id,
    "price": lambda p: p.price_cents,
    "name": lambda p: p.name.casefold(),
}


def sort_products(products: list[Product], sort: str) -> list[Product]:
    """Sort by a key, ties always broken by ascending id whatever the direction."""
    descending = sort.startswith("-")
    by_id = sorted(products, key=lambda p: p.id)
    # sorted() is stable, and stays stable with reverse=True: equal keys keep their id order.
    return sorted(by_id, key=SORT_FIELDS[sort.lstrip("-")], reverse=descending)


def create_app(api_tokens: set[str]) -> FastAPI:
    """A fresh app with its own empty catalogue, accepting the given bearer tokens."""
    tokens = frozenset(api_tokens)
    bearer = HTTPBearer(auto_error=False)

    Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    def require_token(credentials: HTTPAuthorizationCredentials | None) -> None:
        if credentials is None or credentials.credentials not in tokens:
            raise HTTPException(
                status_code=401,
                detail="missing or invalid bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    app = FastAPI(title="Product catalogue")
    catalogue = Catalogue()

    @app.post("/products", status_code=201)
    def create_product(
        body: ProductCreate, response: Response, credentials: Credentials
    ) -> Product:
        require_token(credentials)
        product = catalogue.add(body)
        response.headers["Location"] = f"/products/{product.id}"
        return product

    @app.get("/products")
    def list_products(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
        tag: str | None = None,
        min_price: Annotated[int | None, Query(ge=0)] = None,
        max_price: Annotated[int | None, Query(ge=0)] = None,
        q: str | None = None,
        sort: SortKey = "id",
        credentials: Credentials = None,
    ) -> ProductPage:
        require_token(credentials)
        products = catalogue.all()
        if tag is not None:
            products = [p for p in products if tag in p.tags]
        if min_price is not None:
            products = [p for p in products if p.price_cents >= min_price]
        if max_price is not None:
            products = [p for p in products if p.price_cents <= max_price]
        if q is not None:
            needle = q.casefold()
            products = [p for p in products if needle in p.name.casefold()]
        products = sort_products(products, sort)
        return ProductPage(
            items=products[offset : offset + limit],
            total=len(products),
            limit=limit,
            offset=offset,
        )

    @app.get("/products/{product_id}")
    def get_product(product_id: int, credentials: Credentials) -> Product:
        require_token(credentials)
        return catalogue.get(product_id)

    @app.patch("/products/{product_id}")
    def update_product(product_id: int, body: ProductUpdate, credentials: Credentials) -> Product:
        require_token(credentials)
        return catalogue.update(product_id, body.model_dump(exclude_unset=True))

    @app.delete("/products/{product_id}", status_code=204)
    def delete_product(product_id: int, credentials: Credentials) -> Response:
        require_token(credentials)
        catalogue.remove(product_id)
        return Response(status_code=204)

    return app
