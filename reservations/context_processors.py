from .ordering import OrderDraft


def basket(request):
    """Give every page the number of documents in the basket, for the navigation."""
    session = getattr(request, "session", None)
    return {"basket_size": len(OrderDraft.basket(session)) if session is not None else 0}
