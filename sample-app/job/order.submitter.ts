/** One answer of `POST /orders`. */
export interface SubmitAnswer {
  status: number;
  /** 201: the order and its OrderPlaced message. */
  orderId?: string;
  messageId?: string;
  /** 409: the OrderPlaced id of the first submission. */
  firstMessageId?: string;
}

export interface CartSubmissions {
  cartId: string;
  amountCents: number;
  answers: SubmitAnswer[];
}

/**
 * Checks out `count` carts at once over HTTP. Every 5th cart is submitted twice, as a double click
 * or a client retry would: carts 10, 20… twice at the same time, carts 5, 15… one after the other.
 */
export async function submitOrders(baseUrl: string, count: number): Promise<CartSubmissions[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const cart = { cartId: `cart-${index + 1}`, amountCents: 1000 + 10 * index };
      const submit = () => submitOrder(baseUrl, cart);
      let answers: SubmitAnswer[];
      if ((index + 1) % 10 === 0) answers = await Promise.all([submit(), submit()]);
      else if ((index + 1) % 5 === 0) answers = [await submit(), await submit()];
      else answers = [await submit()];
      return { ...cart, answers };
    }),
  );
}

async function submitOrder(
  baseUrl: string,
  cart: { cartId: string; amountCents: number },
): Promise<SubmitAnswer> {
  const response = await fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(cart),
  });
  const body = (await response.json()) as Omit<SubmitAnswer, 'status'>;
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return {
    status: response.status,
    orderId: body.orderId,
    messageId: body.messageId,
    firstMessageId: body.firstMessageId,
  };
}
