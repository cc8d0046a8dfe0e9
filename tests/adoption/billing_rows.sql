-- A few rows in every table of billing_structure.sql (so adoption and migrations are tried on data).
SET search_path TO public;
INSERT INTO accounts (name, slug, created_at, updated_at)
    SELECT 'Account ' || g, 'account-' || g, '2024-01-01', '2024-01-01' FROM generate_series(1, 20) g;
INSERT INTO users (account_id, email, created_at, updated_at)
    SELECT 1 + g % 20, 'user' || g || '@example.com', '2024-01-02', '2024-01-02' FROM generate_series(1, 60) g;
INSERT INTO memberships (account_id, user_id, created_at, updated_at)
    SELECT 1 + g % 20, g, '2024-01-02', '2024-01-02' FROM generate_series(1, 60) g;
INSERT INTO customers (account_id, name, email, external_id, created_at, updated_at)
    SELECT 1 + g % 20, 'Customer ' || g, 'c' || g || '@example.com', CASE WHEN g % 3 = 0 THEN 'cus_' || g END,
           '2024-01-03', '2024-01-03'
    FROM generate_series(1, 200) g;
INSERT INTO addresses (customer_id, line1, city, country, created_at, updated_at)
    SELECT g, g || ' Main St', 'Springfield', 'US', '2024-01-03', '2024-01-03' FROM generate_series(1, 200) g;
INSERT INTO currencies (code, name, created_at, updated_at)
    VALUES ('USD', 'US dollar', '2024-01-01', '2024-01-01'), ('EUR', 'Euro', '2024-01-01', '2024-01-01');
INSERT INTO exchange_rates (base_currency, quote_currency, rate, observed_on, created_at, updated_at)
    SELECT 'EUR', 'USD', 1.08 + g / 1000.0, DATE '2024-01-01' + g, '2024-01-01', '2024-01-01'
    FROM generate_series(0, 59) g;
INSERT INTO products (account_id, name, created_at, updated_at)
    SELECT 1 + g % 20, 'Product ' || g, '2024-01-01', '2024-01-01' FROM generate_series(1, 40) g;
INSERT INTO plans (product_id, nickname, created_at, updated_at)
    SELECT g, 'monthly', '2024-01-01', '2024-01-01' FROM generate_series(1, 40) g;
INSERT INTO prices (plan_id, currency, unit_amount_cents, valid_during, created_at, updated_at)
    SELECT g, 'USD', 1000 + g, tstzrange('2024-01-01', NULL), '2024-01-01', '2024-01-01' FROM generate_series(1, 40) g;
INSERT INTO tax_rates (account_id, display_name, percentage, created_at, updated_at)
    SELECT g, 'VAT', 20.0, '2024-01-01', '2024-01-01' FROM generate_series(1, 20) g;
INSERT INTO coupons (account_id, code, percent_off, created_at, updated_at)
    SELECT g, 'WELCOME' || g, 10, '2024-01-01', '2024-01-01' FROM generate_series(1, 20) g;
INSERT INTO subscriptions (customer_id, plan_id, status, current_period_start, current_period_end, created_at, updated_at)
    SELECT g, 1 + g % 40, 'active', '2024-01-01', '2024-02-01', '2024-01-01', '2024-01-01' FROM generate_series(1, 150) g;
INSERT INTO subscription_items (subscription_id, price_id, created_at, updated_at)
    SELECT g, 1 + g % 40, '2024-01-01', '2024-01-01' FROM generate_series(1, 150) g;
INSERT INTO invoices (customer_id, subscription_id, status, currency, created_at, updated_at)
    SELECT 1 + g % 150, 1 + g % 150, CASE WHEN g % 4 = 0 THEN 'open' ELSE 'paid' END::invoice_status, 'USD',
           '2024-01-01'::timestamp + g * interval '6 hours', '2024-01-01'
    FROM generate_series(1, 300) g;
INSERT INTO invoice_line_items (invoice_id, position, description, amount_cents, tax_rate_id, created_at, updated_at)
    SELECT 1 + g / 2, g % 2, 'Line ' || g, 500 + g, 1 + g % 20, '2024-01-01', '2024-01-01' FROM generate_series(0, 599) g;
INSERT INTO refunds (invoice_id, amount_cents, created_at, updated_at)
    SELECT g, 100, '2024-02-01', '2024-02-01' FROM generate_series(1, 30) g;
INSERT INTO webhook_endpoints (account_id, url, created_at, updated_at)
    SELECT g, 'https://example.com/hooks/' || g, '2024-01-01', '2024-01-01' FROM generate_series(1, 20) g;
INSERT INTO webhook_events (webhook_endpoint_id, payload, created_at)
    SELECT 1 + g % 20, jsonb_build_object('n', g), '2024-01-01' FROM generate_series(1, 100) g;
INSERT INTO usage_records (subscription_item_id, quantity, recorded_at)
    SELECT 1 + g % 150, g, '2024-01-01 00:00+00'::timestamptz + g * interval '1 hour' FROM generate_series(0, 2000) g;
INSERT INTO "AuditTrail" ("entityType", "createdAt") SELECT 'Invoice', '2024-01-01' FROM generate_series(1, 10);
