import type { RenderInvoice } from '../../messages/render-invoice.command';

/** The invoice as plain text (a real service would render a PDF). */
export function invoiceText(command: RenderInvoice): string {
  return [
    `Invoice ${command.invoiceId}`,
    `Order     ${command.orderId}`,
    `Shipment  ${command.shipmentId}`,
    `Amount    ${(command.amountCents / 100).toFixed(2)} EUR`,
    '',
  ].join('\n');
}
