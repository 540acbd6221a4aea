# GoBlitz Cognito: user pool (email login), Hosted UI app client with the
# OAuth code flow, a client_credentials (M2M) client for the goblitz-api
# resource server, and an identity pool federated with the app client.

locals {
  # Cognito threat protection ("advanced security") is only available on the
  # PLUS feature plan; keep the cheaper ESSENTIALS plan unless it is wanted.
  user_pool_tier = var.advanced_security_mode == "OFF" ? "ESSENTIALS" : "PLUS"

  hosted_ui_domain = "${aws_cognito_user_pool_domain.this.domain}.auth.${var.region}.amazoncognito.com"
  issuer           = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

resource "aws_cognito_user_pool" "this" {
  name = "${var.name_prefix}-users"

  # Email is the username (sign-in with email address); verified automatically
  # with a code sent by Cognito.
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]

  username_configuration {
    case_sensitive = false
  }

  password_policy {
    minimum_length                   = 12
    require_uppercase                = true
    require_lowercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  admin_create_user_config {
    allow_admin_create_user_only = !var.allow_self_signup
  }

  verification_message_template {
    default_email_option = "CONFIRM_WITH_CODE"
  }

  email_configuration {
    # Cognito's built-in sender (low daily quota) is enough for a demo; switch
    # to DEVELOPER + an SES identity for production volumes.
    email_sending_account = "COGNITO_DEFAULT"
  }

  # MFA defaults to OPTIONAL with TOTP only: users can enrol an authenticator
  # app, but sign-up through the Hosted UI and the USER_PASSWORD_AUTH demo
  # flow keep working without one. ON would force every user to enrol TOTP
  # before the first token is issued, which the GoBlitz demo cannot do
  # headless. SMS MFA is not configured (needs an SNS role and costs money).
  mfa_configuration = var.mfa_configuration

  dynamic "software_token_mfa_configuration" {
    for_each = var.mfa_configuration == "OFF" ? [] : [1]
    content {
      enabled = true
    }
  }

  # Threat protection (compromised-credential and adaptive-auth checks).
  # Only valid on the PLUS plan, selected automatically in locals.
  user_pool_tier = local.user_pool_tier

  user_pool_add_ons {
    advanced_security_mode = var.advanced_security_mode
  }

  deletion_protection = var.deletion_protection
}

resource "aws_cognito_user_pool_domain" "this" {
  domain       = var.domain_prefix
  user_pool_id = aws_cognito_user_pool.this.id

  # 1 = classic Hosted UI, which needs no branding resource.
  managed_login_version = 1
}

# Public client used by the GoBlitz app: password auth (USER_PASSWORD_AUTH /
# SRP) for the CLI path, and the Hosted UI authorization code flow.
resource "aws_cognito_user_pool_client" "goblitz" {
  name         = "GoBlitzClient"
  user_pool_id = aws_cognito_user_pool.this.id

  # A public client (no secret): the app is a local program and cannot keep
  # a secret; the code flow is still protected by the exact redirect URIs.
  generate_secret = false

  explicit_auth_flows = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
  ]

  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = var.callback_urls
  logout_urls                          = var.logout_urls

  access_token_validity  = var.access_token_validity_minutes
  id_token_validity      = var.id_token_validity_minutes
  refresh_token_validity = var.refresh_token_validity_days

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  # Minutes a sign-in session (e.g. an MFA challenge) stays valid.
  auth_session_validity = 3

  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  read_attributes  = ["email", "email_verified"]
  write_attributes = ["email"]
}

resource "aws_cognito_resource_server" "api" {
  identifier   = var.resource_server_identifier
  name         = "${var.name_prefix}-api"
  user_pool_id = aws_cognito_user_pool.this.id

  scope {
    scope_name        = var.resource_server_scope
    scope_description = "Read access to the GoBlitz ping endpoint"
  }
}

# Confidential machine-to-machine client: client_credentials grant only,
# limited to the resource server's scope.
resource "aws_cognito_user_pool_client" "m2m" {
  name         = "${var.name_prefix}-m2m"
  user_pool_id = aws_cognito_user_pool.this.id

  generate_secret = true

  # client_credentials does not use these flows; keep the minimum Cognito
  # accepts so no user-password login is possible with this client.
  explicit_auth_flows = ["ALLOW_REFRESH_TOKEN_AUTH"]

  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes                 = aws_cognito_resource_server.api.scope_identifiers
  supported_identity_providers         = ["COGNITO"]

  access_token_validity = var.m2m_access_token_validity_minutes

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
}

resource "aws_cognito_identity_pool" "this" {
  identity_pool_name               = "${var.name_prefix}_identities"
  allow_unauthenticated_identities = false
  allow_classic_flow               = false

  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.goblitz.id
    provider_name           = aws_cognito_user_pool.this.endpoint
    server_side_token_check = true
  }
}

# Role for authenticated identities. It can only be assumed through this
# identity pool by signed-in users, and has no permissions attached: add the
# policies the app needs (e.g. read one S3 prefix) explicitly.
data "aws_iam_policy_document" "authenticated_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["cognito-identity.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "cognito-identity.amazonaws.com:aud"
      values   = [aws_cognito_identity_pool.this.id]
    }

    condition {
      test     = "ForAnyValue:StringLike"
      variable = "cognito-identity.amazonaws.com:amr"
      values   = ["authenticated"]
    }
  }
}

resource "aws_iam_role" "authenticated" {
  name               = "${var.name_prefix}-cognito-authenticated"
  description        = "Assumed by signed-in GoBlitz users through the Cognito identity pool"
  assume_role_policy = data.aws_iam_policy_document.authenticated_assume.json
}

resource "aws_cognito_identity_pool_roles_attachment" "this" {
  identity_pool_id = aws_cognito_identity_pool.this.id

  roles = {
    authenticated = aws_iam_role.authenticated.arn
  }
}
