//! Coordinates and great-circle distance.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in metres (IUGG).
/// Mean Earth radius in metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A valid WGS-84 position: finite, latitude within ±90°, longitude within ±180°.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "RawCoordinates")]
pub struct Coordinates {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lng: f64,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RawCoordinates {
    lat: f64,
    lng: f64,
}

impl TryFrom<RawCoordinates> for Coordinates {
    type Error = String;
    fn try_from(r: RawCoordinates) -> Result<Self, Self::Error> {
        Coordinates::new(r.lat, r.lng)
    }
}

impl Coordinates {
    /// Checks the ranges; the error says which one failed.
    pub fn new(lat: f64, lng: f64) -> Result<Self, String> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(format!("latitude {lat} is outside -90..90"));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(format!("longitude {lng} is outside -180..180"));
        }
        Ok(Self { lat, lng })
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(self, other: Coordinates) -> f64 {
        haversine_m(self.lat, self.lng, other.lat, other.lng)
    }
}

/// Great-circle distance in metres between two points in degrees
/// (haversine), for values already known to be valid.
pub fn haversine_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(lat: f64, lng: f64) -> Coordinates {
        Coordinates::new(lat, lng).unwrap()
    }

    #[test]
    fn zero_distance_to_itself() {
        assert_eq!(c(33.329, 105.609).distance_m(c(33.329, 105.609)), 0.0);
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = c(33.0, 105.0).distance_m(c(34.0, 105.0));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }

    #[test]
    fn kang_county_seat_to_huaqiao_village() {
        // About 12.6 km as the crow flies.
        let d = c(33.3297, 105.6079).distance_m(c(33.2853, 105.7312));
        assert!((12_000.0..13_500.0).contains(&d), "{d}");
    }

    #[test]
    fn symmetric_and_antipodal() {
        let (a, b) = (c(10.0, 20.0), c(-30.0, 100.0));
        assert!((a.distance_m(b) - b.distance_m(a)).abs() < 1e-6);
        let half = c(0.0, 0.0).distance_m(c(0.0, 180.0));
        assert!((half - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1.0);
    }

    #[test]
    fn invalid_coordinates_are_refused() {
        assert!(Coordinates::new(91.0, 0.0).is_err());
        assert!(Coordinates::new(0.0, -180.5).is_err());
        assert!(Coordinates::new(f64::NAN, 0.0).is_err());
        assert!(serde_json::from_str::<Coordinates>(r#"{"lat": 95, "lng": 1}"#).is_err());
        assert!(serde_json::from_str::<Coordinates>(r#"{"lat": 33.3, "lng": 105.6}"#).is_ok());
    }
}
