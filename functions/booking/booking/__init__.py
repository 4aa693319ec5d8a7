"""Booking: parking, restaurants, service appointments and hotels (sandbox inventory in DynamoDB)."""
