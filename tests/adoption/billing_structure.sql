--
-- The structure.sql of a billing application, as Rails' `db:schema:dump` (pg_dump) writes it:
-- bigint ids numbered by owned sequences, timestamp(6) columns, unique indexes instead of unique
-- constraints, a partitioned table with indexes of one partition, functions, triggers, domains,
-- grants, row-level security. Written for schemagen's adoption tests.
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

DO $$ BEGIN CREATE ROLE billing_readonly NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE billing_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;

CREATE SCHEMA reporting;
COMMENT ON SCHEMA reporting IS 'Read models for the finance team.';

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

CREATE TYPE public.invoice_status AS ENUM (
    'draft',
    'open',
    'paid',
    'void',
    'uncollectible'
);

CREATE TYPE public.subscription_status AS ENUM (
    'trialing',
    'active',
    'past_due',
    'canceled'
);

CREATE TYPE public.membership_role AS ENUM (
    'owner',
    'admin',
    'member'
);

CREATE DOMAIN public.money_cents AS bigint
    CONSTRAINT money_cents_check CHECK ((VALUE >= 0));

CREATE DOMAIN public.currency_code AS character(3)
    CONSTRAINT currency_code_check CHECK ((VALUE ~ '^[A-Z]{3}$'::text));

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END
$$;

CREATE FUNCTION public.invoice_total(p_invoice_id bigint) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT COALESCE(sum(amount_cents), 0)::bigint FROM public.invoice_line_items WHERE invoice_id = p_invoice_id
$$;

CREATE FUNCTION public.normalize_email(email text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT lower(btrim(email)) $$;

CREATE SEQUENCE public.invoice_number_seq
    START WITH 1000
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.accounts (
    id bigint NOT NULL,
    name character varying NOT NULL,
    slug character varying NOT NULL,
    billing_email character varying,
    currency public.currency_code DEFAULT 'USD'::bpchar NOT NULL,
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.accounts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.accounts_id_seq OWNED BY public.accounts.id;

CREATE TABLE public.users (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    email character varying NOT NULL,
    encrypted_password character varying DEFAULT ''::character varying NOT NULL,
    reset_password_token character varying,
    sign_in_count integer DEFAULT 0 NOT NULL,
    last_sign_in_at timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;

CREATE TABLE public.memberships (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    user_id bigint NOT NULL,
    role public.membership_role DEFAULT 'member'::public.membership_role NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.memberships_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.memberships_id_seq OWNED BY public.memberships.id;

CREATE TABLE public.customers (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    external_id character varying,
    name character varying NOT NULL,
    email character varying,
    balance_cents bigint DEFAULT 0 NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.customers_id_seq OWNED BY public.customers.id;

CREATE TABLE public.addresses (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    line1 character varying NOT NULL,
    line2 character varying,
    city character varying NOT NULL,
    postal_code character varying,
    country character(2) NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.addresses_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.addresses_id_seq OWNED BY public.addresses.id;

CREATE TABLE public.currencies (
    id bigint NOT NULL,
    code public.currency_code NOT NULL,
    name character varying NOT NULL,
    minor_units smallint DEFAULT 2 NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.currencies_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.currencies_id_seq OWNED BY public.currencies.id;

CREATE TABLE public.exchange_rates (
    id bigint NOT NULL,
    base_currency public.currency_code NOT NULL,
    quote_currency public.currency_code NOT NULL,
    rate numeric(18,8) NOT NULL,
    observed_on date NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.exchange_rates_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.exchange_rates_id_seq OWNED BY public.exchange_rates.id;

CREATE TABLE public.products (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    name character varying NOT NULL,
    description text,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.products_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.products_id_seq OWNED BY public.products.id;

CREATE TABLE public.plans (
    id bigint NOT NULL,
    product_id bigint NOT NULL,
    nickname character varying,
    interval character varying DEFAULT 'month'::character varying NOT NULL,
    interval_count integer DEFAULT 1 NOT NULL,
    trial_days integer,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.plans_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.plans_id_seq OWNED BY public.plans.id;

CREATE TABLE public.prices (
    id bigint NOT NULL,
    plan_id bigint NOT NULL,
    currency public.currency_code NOT NULL,
    unit_amount_cents public.money_cents NOT NULL,
    valid_during tstzrange NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.prices_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.prices_id_seq OWNED BY public.prices.id;

CREATE TABLE public.tax_rates (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    display_name character varying NOT NULL,
    percentage numeric(6,4) NOT NULL,
    inclusive boolean DEFAULT false NOT NULL,
    jurisdiction character varying,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.tax_rates_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.tax_rates_id_seq OWNED BY public.tax_rates.id;

CREATE TABLE public.tax_ids (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    kind character varying NOT NULL,
    value character varying NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.tax_ids_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.tax_ids_id_seq OWNED BY public.tax_ids.id;

CREATE TABLE public.coupons (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    code character varying NOT NULL,
    percent_off numeric(5,2),
    amount_off_cents bigint,
    redeem_by timestamp(6) without time zone,
    max_redemptions integer,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.coupons_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.coupons_id_seq OWNED BY public.coupons.id;

CREATE TABLE public.subscriptions (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    plan_id bigint NOT NULL,
    status public.subscription_status DEFAULT 'trialing'::public.subscription_status NOT NULL,
    current_period_start timestamp(6) without time zone NOT NULL,
    current_period_end timestamp(6) without time zone NOT NULL,
    cancel_at timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.subscriptions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.subscriptions_id_seq OWNED BY public.subscriptions.id;

CREATE TABLE public.subscription_items (
    id bigint NOT NULL,
    subscription_id bigint NOT NULL,
    price_id bigint NOT NULL,
    quantity integer DEFAULT 1 NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.subscription_items_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.subscription_items_id_seq OWNED BY public.subscription_items.id;

CREATE TABLE public.discounts (
    id bigint NOT NULL,
    subscription_id bigint NOT NULL,
    coupon_id bigint NOT NULL,
    starts_at timestamp(6) without time zone NOT NULL,
    ends_at timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.discounts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.discounts_id_seq OWNED BY public.discounts.id;

CREATE TABLE public.invoices (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    subscription_id bigint,
    number bigint DEFAULT nextval('public.invoice_number_seq'::regclass) NOT NULL,
    status public.invoice_status DEFAULT 'draft'::public.invoice_status NOT NULL,
    currency public.currency_code NOT NULL,
    due_on date,
    finalized_at timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.invoices_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.invoices_id_seq OWNED BY public.invoices.id;

CREATE TABLE public.invoice_line_items (
    id bigint NOT NULL,
    invoice_id bigint NOT NULL,
    position integer NOT NULL,
    description character varying NOT NULL,
    amount_cents bigint NOT NULL,
    tax_rate_id bigint,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.invoice_line_items_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.invoice_line_items_id_seq OWNED BY public.invoice_line_items.id;

CREATE TABLE public.payment_methods (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    kind character varying NOT NULL,
    last4 character(4),
    exp_month smallint,
    exp_year smallint,
    fingerprint character varying,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.payment_methods_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.payment_methods_id_seq OWNED BY public.payment_methods.id;

CREATE TABLE public.refunds (
    id bigint NOT NULL,
    invoice_id bigint NOT NULL,
    amount_cents bigint NOT NULL,
    reason character varying,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.refunds_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.refunds_id_seq OWNED BY public.refunds.id;

CREATE TABLE public.credit_notes (
    id bigint NOT NULL,
    invoice_id bigint NOT NULL,
    amount_cents public.money_cents NOT NULL,
    memo text,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.credit_notes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.credit_notes_id_seq OWNED BY public.credit_notes.id;

CREATE TABLE public.disputes (
    id bigint NOT NULL,
    invoice_id bigint NOT NULL,
    amount_cents bigint NOT NULL,
    status character varying NOT NULL,
    evidence jsonb,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.disputes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.disputes_id_seq OWNED BY public.disputes.id;

CREATE TABLE public.payouts (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    amount_cents bigint NOT NULL,
    arrival_on date NOT NULL,
    currency public.currency_code NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.payouts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.payouts_id_seq OWNED BY public.payouts.id;

CREATE TABLE public.balance_transactions (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    payout_id bigint,
    amount_cents bigint NOT NULL,
    fee_cents bigint DEFAULT 0 NOT NULL,
    kind character varying NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.balance_transactions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.balance_transactions_id_seq OWNED BY public.balance_transactions.id;

CREATE TABLE public.webhook_endpoints (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    url character varying NOT NULL,
    secret character varying DEFAULT encode(public.gen_random_bytes(24), 'hex'::text) NOT NULL,
    enabled_events character varying[] DEFAULT '{}'::character varying[] NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.webhook_endpoints_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.webhook_endpoints_id_seq OWNED BY public.webhook_endpoints.id;

CREATE TABLE public.webhook_events (
    id bigint NOT NULL,
    webhook_endpoint_id bigint NOT NULL,
    payload jsonb NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    delivered_at timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL
)
WITH (fillfactor='90', autovacuum_vacuum_scale_factor='0.02');

CREATE SEQUENCE public.webhook_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.webhook_events_id_seq OWNED BY public.webhook_events.id;

CREATE TABLE public.audit_logs (
    id bigint NOT NULL,
    account_id bigint,
    actor_id bigint,
    action character varying NOT NULL,
    changes jsonb,
    ip inet,
    created_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.audit_logs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.audit_logs_id_seq OWNED BY public.audit_logs.id;

CREATE TABLE public.active_storage_blobs (
    id bigint NOT NULL,
    key character varying NOT NULL,
    filename character varying NOT NULL,
    content_type character varying,
    metadata text,
    service_name character varying NOT NULL,
    byte_size bigint NOT NULL,
    checksum character varying,
    created_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.active_storage_blobs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.active_storage_blobs_id_seq OWNED BY public.active_storage_blobs.id;

CREATE TABLE public.active_storage_attachments (
    id bigint NOT NULL,
    name character varying NOT NULL,
    record_type character varying NOT NULL,
    record_id bigint NOT NULL,
    blob_id bigint NOT NULL,
    created_at timestamp(6) without time zone NOT NULL
);

CREATE SEQUENCE public.active_storage_attachments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.active_storage_attachments_id_seq OWNED BY public.active_storage_attachments.id;

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);

CREATE TABLE public.ar_internal_metadata (
    key character varying NOT NULL,
    value character varying,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE TABLE public.usage_records (
    subscription_item_id bigint NOT NULL,
    quantity bigint NOT NULL,
    recorded_at timestamp(6) with time zone NOT NULL,
    idempotency_key uuid DEFAULT public.gen_random_uuid() NOT NULL
)
PARTITION BY RANGE (recorded_at);

CREATE TABLE public.usage_records_2024_01 (
    subscription_item_id bigint NOT NULL,
    quantity bigint NOT NULL,
    recorded_at timestamp(6) with time zone NOT NULL,
    idempotency_key uuid DEFAULT public.gen_random_uuid() NOT NULL
);
ALTER TABLE ONLY public.usage_records ATTACH PARTITION public.usage_records_2024_01 FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');

CREATE TABLE public.usage_records_2024_02 (
    subscription_item_id bigint NOT NULL,
    quantity bigint NOT NULL,
    recorded_at timestamp(6) with time zone NOT NULL,
    idempotency_key uuid DEFAULT public.gen_random_uuid() NOT NULL
);
ALTER TABLE ONLY public.usage_records ATTACH PARTITION public.usage_records_2024_02 FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');

CREATE TABLE public.usage_records_2024_03 (
    subscription_item_id bigint NOT NULL,
    quantity bigint NOT NULL,
    recorded_at timestamp(6) with time zone NOT NULL,
    idempotency_key uuid DEFAULT public.gen_random_uuid() NOT NULL
);
ALTER TABLE ONLY public.usage_records ATTACH PARTITION public.usage_records_2024_03 FOR VALUES FROM ('2024-03-01 00:00:00+00') TO ('2024-04-01 00:00:00+00');

CREATE TABLE public."AuditTrail" (
    "Id" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL,
    "entityType" text NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE VIEW public.active_subscriptions AS
 SELECT s.id,
    s.customer_id,
    c.account_id,
    s.plan_id,
    s.current_period_end
   FROM (public.subscriptions s
     JOIN public.customers c ON ((c.id = s.customer_id)))
  WHERE (s.status = ANY (ARRAY['trialing'::public.subscription_status, 'active'::public.subscription_status]));

CREATE MATERIALIZED VIEW reporting.monthly_revenue AS
 SELECT c.account_id,
    date_trunc('month'::text, i.created_at) AS month,
    sum(li.amount_cents) AS revenue_cents
   FROM ((public.invoices i
     JOIN public.customers c ON ((c.id = i.customer_id)))
     JOIN public.invoice_line_items li ON ((li.invoice_id = i.id)))
  WHERE (i.status = 'paid'::public.invoice_status)
  GROUP BY c.account_id, (date_trunc('month'::text, i.created_at))
  WITH NO DATA;

ALTER TABLE ONLY public.accounts ALTER COLUMN id SET DEFAULT nextval('public.accounts_id_seq'::regclass);

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

ALTER TABLE ONLY public.memberships ALTER COLUMN id SET DEFAULT nextval('public.memberships_id_seq'::regclass);

ALTER TABLE ONLY public.customers ALTER COLUMN id SET DEFAULT nextval('public.customers_id_seq'::regclass);

ALTER TABLE ONLY public.addresses ALTER COLUMN id SET DEFAULT nextval('public.addresses_id_seq'::regclass);

ALTER TABLE ONLY public.currencies ALTER COLUMN id SET DEFAULT nextval('public.currencies_id_seq'::regclass);

ALTER TABLE ONLY public.exchange_rates ALTER COLUMN id SET DEFAULT nextval('public.exchange_rates_id_seq'::regclass);

ALTER TABLE ONLY public.products ALTER COLUMN id SET DEFAULT nextval('public.products_id_seq'::regclass);

ALTER TABLE ONLY public.plans ALTER COLUMN id SET DEFAULT nextval('public.plans_id_seq'::regclass);

ALTER TABLE ONLY public.prices ALTER COLUMN id SET DEFAULT nextval('public.prices_id_seq'::regclass);

ALTER TABLE ONLY public.tax_rates ALTER COLUMN id SET DEFAULT nextval('public.tax_rates_id_seq'::regclass);

ALTER TABLE ONLY public.tax_ids ALTER COLUMN id SET DEFAULT nextval('public.tax_ids_id_seq'::regclass);

ALTER TABLE ONLY public.coupons ALTER COLUMN id SET DEFAULT nextval('public.coupons_id_seq'::regclass);

ALTER TABLE ONLY public.subscriptions ALTER COLUMN id SET DEFAULT nextval('public.subscriptions_id_seq'::regclass);

ALTER TABLE ONLY public.subscription_items ALTER COLUMN id SET DEFAULT nextval('public.subscription_items_id_seq'::regclass);

ALTER TABLE ONLY public.discounts ALTER COLUMN id SET DEFAULT nextval('public.discounts_id_seq'::regclass);

ALTER TABLE ONLY public.invoices ALTER COLUMN id SET DEFAULT nextval('public.invoices_id_seq'::regclass);

ALTER TABLE ONLY public.invoice_line_items ALTER COLUMN id SET DEFAULT nextval('public.invoice_line_items_id_seq'::regclass);

ALTER TABLE ONLY public.payment_methods ALTER COLUMN id SET DEFAULT nextval('public.payment_methods_id_seq'::regclass);

ALTER TABLE ONLY public.refunds ALTER COLUMN id SET DEFAULT nextval('public.refunds_id_seq'::regclass);

ALTER TABLE ONLY public.credit_notes ALTER COLUMN id SET DEFAULT nextval('public.credit_notes_id_seq'::regclass);

ALTER TABLE ONLY public.disputes ALTER COLUMN id SET DEFAULT nextval('public.disputes_id_seq'::regclass);

ALTER TABLE ONLY public.payouts ALTER COLUMN id SET DEFAULT nextval('public.payouts_id_seq'::regclass);

ALTER TABLE ONLY public.balance_transactions ALTER COLUMN id SET DEFAULT nextval('public.balance_transactions_id_seq'::regclass);

ALTER TABLE ONLY public.webhook_endpoints ALTER COLUMN id SET DEFAULT nextval('public.webhook_endpoints_id_seq'::regclass);

ALTER TABLE ONLY public.webhook_events ALTER COLUMN id SET DEFAULT nextval('public.webhook_events_id_seq'::regclass);

ALTER TABLE ONLY public.audit_logs ALTER COLUMN id SET DEFAULT nextval('public.audit_logs_id_seq'::regclass);

ALTER TABLE ONLY public.active_storage_blobs ALTER COLUMN id SET DEFAULT nextval('public.active_storage_blobs_id_seq'::regclass);

ALTER TABLE ONLY public.active_storage_attachments ALTER COLUMN id SET DEFAULT nextval('public.active_storage_attachments_id_seq'::regclass);


ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.addresses
    ADD CONSTRAINT addresses_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.currencies
    ADD CONSTRAINT currencies_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.exchange_rates
    ADD CONSTRAINT exchange_rates_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.plans
    ADD CONSTRAINT plans_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.prices
    ADD CONSTRAINT prices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.tax_rates
    ADD CONSTRAINT tax_rates_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.tax_ids
    ADD CONSTRAINT tax_ids_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.coupons
    ADD CONSTRAINT coupons_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.subscription_items
    ADD CONSTRAINT subscription_items_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.discounts
    ADD CONSTRAINT discounts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoice_line_items
    ADD CONSTRAINT invoice_line_items_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payment_methods
    ADD CONSTRAINT payment_methods_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.credit_notes
    ADD CONSTRAINT credit_notes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT disputes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payouts
    ADD CONSTRAINT payouts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.balance_transactions
    ADD CONSTRAINT balance_transactions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.audit_logs
    ADD CONSTRAINT audit_logs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.active_storage_blobs
    ADD CONSTRAINT active_storage_blobs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.active_storage_attachments
    ADD CONSTRAINT active_storage_attachments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.ar_internal_metadata
    ADD CONSTRAINT ar_internal_metadata_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.usage_records
    ADD CONSTRAINT usage_records_pkey PRIMARY KEY (subscription_item_id, recorded_at, idempotency_key);

ALTER TABLE ONLY public.usage_records_2024_01
    ADD CONSTRAINT usage_records_2024_01_pkey PRIMARY KEY (subscription_item_id, recorded_at, idempotency_key);

ALTER TABLE ONLY public.usage_records_2024_02
    ADD CONSTRAINT usage_records_2024_02_pkey PRIMARY KEY (subscription_item_id, recorded_at, idempotency_key);

ALTER TABLE ONLY public.usage_records_2024_03
    ADD CONSTRAINT usage_records_2024_03_pkey PRIMARY KEY (subscription_item_id, recorded_at, idempotency_key);

ALTER TABLE ONLY public."AuditTrail"
    ADD CONSTRAINT "AuditTrail_pkey" PRIMARY KEY ("Id");

ALTER TABLE ONLY public.invoice_line_items
    ADD CONSTRAINT invoice_line_items_invoice_id_position_key UNIQUE (invoice_id, "position") DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY public.prices
    ADD CONSTRAINT prices_no_overlap EXCLUDE USING gist (plan_id WITH =, currency WITH =, valid_during WITH &&);

ALTER TABLE public.refunds
    ADD CONSTRAINT refunds_amount_positive CHECK ((amount_cents > 0)) NOT VALID;

ALTER TABLE public.coupons
    ADD CONSTRAINT coupons_one_discount CHECK (((percent_off IS NULL) <> (amount_off_cents IS NULL)));

CREATE UNIQUE INDEX index_accounts_on_slug ON public.accounts USING btree (slug);
CREATE UNIQUE INDEX index_users_on_email ON public.users USING btree (email);
CREATE UNIQUE INDEX index_users_on_reset_password_token ON public.users USING btree (reset_password_token);
CREATE INDEX index_users_on_account_id_and_lower_email ON public.users USING btree (account_id, lower((email)::text));
CREATE UNIQUE INDEX index_memberships_on_account_id_and_user_id ON public.memberships USING btree (account_id, user_id);
CREATE INDEX index_memberships_on_user_id ON public.memberships USING btree (user_id);
CREATE INDEX index_customers_on_account_id ON public.customers USING btree (account_id);
CREATE UNIQUE INDEX index_customers_on_account_id_and_external_id ON public.customers USING btree (account_id, external_id) WHERE (external_id IS NOT NULL);
CREATE INDEX index_customers_on_normalized_email ON public.customers USING btree (public.normalize_email((email)::text));
CREATE INDEX index_addresses_on_customer_id ON public.addresses USING btree (customer_id);
CREATE UNIQUE INDEX index_currencies_on_code ON public.currencies USING btree (code);
CREATE UNIQUE INDEX index_exchange_rates_on_pair_and_day ON public.exchange_rates USING btree (base_currency, quote_currency, observed_on DESC);
CREATE INDEX index_products_on_account_id ON public.products USING btree (account_id) WHERE active;
CREATE INDEX index_plans_on_product_id ON public.plans USING btree (product_id);
CREATE INDEX index_prices_on_plan_id ON public.prices USING btree (plan_id);
CREATE INDEX index_tax_rates_on_account_id ON public.tax_rates USING btree (account_id);
CREATE UNIQUE INDEX index_tax_ids_on_customer_id_and_kind_and_value ON public.tax_ids USING btree (customer_id, kind, value);
CREATE UNIQUE INDEX index_coupons_on_account_id_and_lower_code ON public.coupons USING btree (account_id, lower((code)::text));
CREATE INDEX index_subscriptions_on_customer_id ON public.subscriptions USING btree (customer_id);
CREATE INDEX index_subscriptions_on_status_and_period_end ON public.subscriptions USING btree (status, current_period_end NULLS FIRST);
CREATE INDEX index_subscription_items_on_subscription_id ON public.subscription_items USING btree (subscription_id);
CREATE INDEX index_discounts_on_subscription_id ON public.discounts USING btree (subscription_id);
CREATE INDEX index_invoices_on_customer_id_and_created_at ON public.invoices USING btree (customer_id, created_at DESC);
CREATE UNIQUE INDEX index_invoices_on_number ON public.invoices USING btree (number);
CREATE INDEX index_invoice_line_items_on_tax_rate_id ON public.invoice_line_items USING btree (tax_rate_id);
CREATE INDEX index_payment_methods_on_customer_id ON public.payment_methods USING btree (customer_id);
CREATE INDEX index_payment_methods_on_fingerprint ON public.payment_methods USING hash (fingerprint);
CREATE INDEX index_refunds_on_invoice_id ON public.refunds USING btree (invoice_id);
CREATE INDEX index_balance_transactions_on_account_id_and_created_at ON public.balance_transactions USING brin (account_id, created_at);
CREATE INDEX index_webhook_events_on_undelivered ON public.webhook_events USING btree (webhook_endpoint_id, created_at) WHERE (delivered_at IS NULL);
CREATE INDEX index_webhook_events_on_payload ON public.webhook_events USING gin (payload jsonb_path_ops);
CREATE INDEX index_audit_logs_on_account_id_and_created_at ON public.audit_logs USING btree (account_id, created_at);
CREATE UNIQUE INDEX index_active_storage_blobs_on_key ON public.active_storage_blobs USING btree (key);
CREATE UNIQUE INDEX index_active_storage_attachments_uniqueness ON public.active_storage_attachments USING btree (record_type, record_id, name, blob_id);
CREATE INDEX index_active_storage_attachments_on_blob_id ON public.active_storage_attachments USING btree (blob_id);
CREATE INDEX index_usage_records_on_subscription_item_id ON ONLY public.usage_records USING btree (subscription_item_id);
CREATE INDEX usage_records_2024_01_subscription_item_id_idx ON public.usage_records_2024_01 USING btree (subscription_item_id);
ALTER INDEX public.index_usage_records_on_subscription_item_id ATTACH PARTITION public.usage_records_2024_01_subscription_item_id_idx;
CREATE INDEX usage_records_2024_02_subscription_item_id_idx ON public.usage_records_2024_02 USING btree (subscription_item_id);
ALTER INDEX public.index_usage_records_on_subscription_item_id ATTACH PARTITION public.usage_records_2024_02_subscription_item_id_idx;
CREATE INDEX usage_records_2024_03_subscription_item_id_idx ON public.usage_records_2024_03 USING btree (subscription_item_id);
ALTER INDEX public.index_usage_records_on_subscription_item_id ATTACH PARTITION public.usage_records_2024_03_subscription_item_id_idx;
CREATE INDEX index_usage_records_2024_03_on_quantity ON public.usage_records_2024_03 USING btree (quantity DESC);
ALTER INDEX public.usage_records_pkey ATTACH PARTITION public.usage_records_2024_01_pkey;
ALTER INDEX public.usage_records_pkey ATTACH PARTITION public.usage_records_2024_02_pkey;
ALTER INDEX public.usage_records_pkey ATTACH PARTITION public.usage_records_2024_03_pkey;
CREATE UNIQUE INDEX index_monthly_revenue_on_account_id_and_month ON reporting.monthly_revenue USING btree (account_id, month);

CREATE TRIGGER accounts_set_updated_at BEFORE UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER customers_set_updated_at BEFORE UPDATE ON public.customers FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER invoices_set_updated_at BEFORE UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER subscriptions_set_updated_at BEFORE UPDATE ON public.subscriptions FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE ONLY public.users
    ADD CONSTRAINT fk_rails_6f9b2590f8 FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT fk_rails_449d12c5a7 FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT fk_rails_1f0b52c2a2 FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT fk_rails_3b4016fed1 FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.addresses
    ADD CONSTRAINT fk_rails_bad30e0348 FOREIGN KEY (customer_id) REFERENCES public.customers(id);

ALTER TABLE ONLY public.products
    ADD CONSTRAINT fk_rails_adbee75dae FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.plans
    ADD CONSTRAINT fk_rails_91f0e3c648 FOREIGN KEY (product_id) REFERENCES public.products(id);

ALTER TABLE ONLY public.prices
    ADD CONSTRAINT fk_rails_bf2e1c7e14 FOREIGN KEY (plan_id) REFERENCES public.plans(id);

ALTER TABLE ONLY public.tax_rates
    ADD CONSTRAINT fk_rails_d25525740c FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.tax_ids
    ADD CONSTRAINT fk_rails_ac3a913135 FOREIGN KEY (customer_id) REFERENCES public.customers(id);

ALTER TABLE ONLY public.coupons
    ADD CONSTRAINT fk_rails_8eae8d4774 FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT fk_rails_0d15058162 FOREIGN KEY (customer_id) REFERENCES public.customers(id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT fk_rails_dfd9c5f44b FOREIGN KEY (plan_id) REFERENCES public.plans(id);

ALTER TABLE ONLY public.subscription_items
    ADD CONSTRAINT fk_rails_bfc57fd4ee FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.subscription_items
    ADD CONSTRAINT fk_rails_51d913ba67 FOREIGN KEY (price_id) REFERENCES public.prices(id);

ALTER TABLE ONLY public.discounts
    ADD CONSTRAINT fk_rails_413b39a5f2 FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.discounts
    ADD CONSTRAINT fk_rails_9ceefea53d FOREIGN KEY (coupon_id) REFERENCES public.coupons(id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT fk_rails_9a293a5764 FOREIGN KEY (customer_id) REFERENCES public.customers(id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT fk_rails_06b27d93fa FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);

ALTER TABLE ONLY public.invoice_line_items
    ADD CONSTRAINT fk_rails_9a73b20573 FOREIGN KEY (invoice_id) REFERENCES public.invoices(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.invoice_line_items
    ADD CONSTRAINT fk_rails_954be95438 FOREIGN KEY (tax_rate_id) REFERENCES public.tax_rates(id);

ALTER TABLE ONLY public.payment_methods
    ADD CONSTRAINT fk_rails_30a9272dcc FOREIGN KEY (customer_id) REFERENCES public.customers(id);

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT fk_rails_1bfc518900 FOREIGN KEY (invoice_id) REFERENCES public.invoices(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.credit_notes
    ADD CONSTRAINT fk_rails_8cffc71019 FOREIGN KEY (invoice_id) REFERENCES public.invoices(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT fk_rails_82dc0d2ece FOREIGN KEY (invoice_id) REFERENCES public.invoices(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.payouts
    ADD CONSTRAINT fk_rails_d4967b305e FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.balance_transactions
    ADD CONSTRAINT fk_rails_8bdc1e3819 FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.balance_transactions
    ADD CONSTRAINT fk_rails_3aee8e07b6 FOREIGN KEY (payout_id) REFERENCES public.payouts(id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT fk_rails_1a3b55b7d9 FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT fk_rails_67d45a2411 FOREIGN KEY (webhook_endpoint_id) REFERENCES public.webhook_endpoints(id);

ALTER TABLE ONLY public.active_storage_attachments
    ADD CONSTRAINT fk_rails_2f619c5435 FOREIGN KEY (blob_id) REFERENCES public.active_storage_blobs(id);

ALTER TABLE ONLY public.exchange_rates
    ADD CONSTRAINT fk_exchange_rates_base_currency FOREIGN KEY (base_currency) REFERENCES public.currencies(code);

ALTER TABLE public.usage_records
    ADD CONSTRAINT fk_usage_records_subscription_item FOREIGN KEY (subscription_item_id) REFERENCES public.subscription_items(id);

ALTER TABLE public.usage_records_2024_03
    ADD CONSTRAINT usage_records_2024_03_quantity_check CHECK ((quantity >= 0));

ALTER TABLE public.webhook_events REPLICA IDENTITY FULL;

ALTER TABLE public.customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY customers_by_account ON public.customers USING ((account_id = (NULLIF(current_setting('app.account_id'::text, true), ''::text))::bigint));

COMMENT ON TABLE public.invoices IS 'One bill sent to a customer.';
COMMENT ON COLUMN public.invoices.number IS 'Human-facing invoice number, from invoice_number_seq.';
COMMENT ON INDEX public.index_users_on_email IS 'Devise looks users up by email.';

GRANT USAGE ON SCHEMA public TO billing_readonly;
GRANT USAGE ON SCHEMA reporting TO billing_readonly;
GRANT SELECT ON TABLE public.invoices TO billing_readonly;
GRANT SELECT ON TABLE public.customers TO billing_readonly;
GRANT SELECT ON TABLE reporting.monthly_revenue TO billing_readonly;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.invoices TO billing_app;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.invoice_line_items TO billing_app;
GRANT SELECT,USAGE ON SEQUENCE public.invoice_number_seq TO billing_app;
GRANT EXECUTE ON FUNCTION public.invoice_total(bigint) TO billing_readonly;

SET search_path TO "$user", public;

INSERT INTO "schema_migrations" (version) VALUES
('20240101120000'),
('20240115093000'),
('20240301101500');

