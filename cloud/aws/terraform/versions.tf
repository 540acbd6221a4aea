terraform {
  # 1.5+: nothing here needs newer language features (no cross-variable
  # validation, which would need 1.9).
  required_version = ">= 1.5.0"

  required_providers {
    # 6.x: `user_pool_tier` on aws_cognito_user_pool is needed for threat
    # protection (advanced security), which Cognito only offers on PLUS.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}
