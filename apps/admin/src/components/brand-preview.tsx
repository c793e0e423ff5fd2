import { useState } from 'react';

export interface Brand {
  displayName: string;
  logoUrl: string;
  primaryColor: string;
  invoicePrefix: string;
  supportEmail: string;
  footer: string;
}

const HEX = /^#[0-9a-fA-F]{6}$/;
/** The number printed on the first invoice under this prefix (numbers are six digits). */
const SAMPLE_NUMBER = '000042';

/**
 * The head and foot of an invoice as the partner's organizations receive it, drawn from the
 * form as it is being typed. What is not valid yet is left out rather than drawn wrong.
 */
export function BrandPreview({ brand, fallbackName }: { brand: Brand; fallbackName: string }) {
  const [failedLogo, setFailedLogo] = useState<string | null>(null);
  const name = brand.displayName.trim() || fallbackName;
  const color = HEX.test(brand.primaryColor) ? brand.primaryColor : undefined;
  const logo = /^https:\/\/\S+$/.test(brand.logoUrl) ? brand.logoUrl : null;
  return (
    <figure className="brand-preview" aria-labelledby="brand-preview-caption">
      <figcaption id="brand-preview-caption" className="muted">
        Preview of an invoice header
      </figcaption>
      <div className="invoice-sheet" style={color ? { borderTopColor: color } : undefined}>
        <div className="invoice-sheet-head">
          <div className="invoice-sheet-issuer">
            {logo && failedLogo !== logo && (
              <img src={logo} alt={`${name} logo`} onError={() => setFailedLogo(logo)} />
            )}
            <p className="invoice-sheet-name" style={color ? { color } : undefined}>
              {name}
            </p>
          </div>
          <div className="invoice-sheet-number">
            <p>Invoice</p>
            <p>
              <strong>
                {brand.invoicePrefix || 'INV-'}
                {SAMPLE_NUMBER}
              </strong>
            </p>
          </div>
        </div>
        {logo && failedLogo === logo && (
          <p className="notice">The logo at that address could not be loaded.</p>
        )}
        <p className="muted">Billed to: Acme Corp · Issued today · Due in 30 days</p>
        <div className="invoice-sheet-foot">
          {brand.supportEmail && <p>Questions? {brand.supportEmail}</p>}
          {brand.footer && <p>{brand.footer}</p>}
        </div>
      </div>
    </figure>
  );
}
