output "region" {
  description = "AWS region of the deployment."
  value       = var.region
}

output "user_pool_id" {
  description = "Cognito user pool ID."
  value       = aws_cognito_user_pool.this.id
}

output "client_id" {
  description = "App client ID of GoBlitzClient (public client, no secret)."
  value       = aws_cognito_user_pool_client.goblitz.id
}

output "domain" {
  description = "Hosted UI domain host name."
  value       = local.hosted_ui_domain
}

output "hosted_ui_url" {
  description = "Hosted UI sign-in URL for GoBlitzClient (authorization code flow, first callback URL)."
  value       = "https://${local.hosted_ui_domain}/login?client_id=${aws_cognito_user_pool_client.goblitz.id}&response_type=code&scope=openid+email+profile&redirect_uri=${urlencode(var.callback_urls[0])}"
}

output "token_url" {
  description = "OAuth2 token endpoint (code exchange, refresh, client_credentials)."
  value       = "https://${local.hosted_ui_domain}/oauth2/token"
}

output "issuer" {
  description = "Expected `iss` claim of tokens issued by the user pool."
  value       = local.issuer
}

output "jwks_url" {
  description = "JSON Web Key Set used to verify the user pool's token signatures."
  value       = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.this.id}/.well-known/jwks.json"
}

output "identity_pool_id" {
  description = "Cognito identity pool ID (authenticated identities only)."
  value       = aws_cognito_identity_pool.this.id
}

output "m2m_client_id" {
  description = "Client ID of the client_credentials (M2M) client."
  value       = aws_cognito_user_pool_client.m2m.id
}

output "m2m_client_secret" {
  description = "Client secret of the M2M client. Read with: terraform output -raw m2m_client_secret"
  value       = aws_cognito_user_pool_client.m2m.client_secret
  sensitive   = true
}

output "m2m_scope" {
  description = "Full OAuth scope(s) to request with the client_credentials grant."
  value       = join(" ", aws_cognito_resource_server.api.scope_identifiers)
}
